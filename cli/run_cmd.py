"""``tape run``, ``tape demo`` and ``tape ingest``: feeding inputs to the engine."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import click

from adapters.config_file import TapeConfig, load_config
from adapters.credentials import venue_modes
from adapters.day_runner import DayRunner, RunStats
from adapters.dayfile import BadLine, DayRecord, read_day, read_intents
from cli.errors import TapeUsageError
from cli.render import counts, money
from cli.wiring import Tape, build, day_clock, live_clock
from projections.views import LogViews


def _report(message: str) -> None:
    click.echo(f"tape: {message}", err=True)


def _open_lines(path: Path) -> Iterator[str]:
    if not path.is_file():
        raise TapeUsageError(f"{path}: no such file")
    with path.open(encoding="utf-8", errors="replace") as handle:
        yield from handle


def run_day(tape: Tape, config: TapeConfig, day: Path, clock_start: bool = True) -> RunStats:
    """Run a day file through a wired Tape, agents registered at the day's first time."""
    records: Iterator[DayRecord | BadLine] = read_day(_open_lines(day))
    first: list[DayRecord | BadLine] = []
    for record in records:
        first.append(record)
        if not isinstance(record, BadLine):
            break
    clock = tape.engine.clock
    if clock_start and first and not isinstance(first[-1], BadLine):
        clock.set(first[-1].at)  # type: ignore[attr-defined]
    tape.engine.register_agents(config.agents)
    runner = DayRunner(tape.engine, paper=tape.paper, clock=clock, source=day.name, report=_report)  # type: ignore[arg-type]
    return runner.run(itertools.chain(first, records))


def summary(tape: Tape, stats: RunStats, source: str) -> str:
    """What happened, read back from the log."""
    views = LogViews.build(tape.app)
    intents = list(views.intents.rows.values())
    verdicts = Counter(row["verdict"] for row in intents)
    denied = Counter(row["reason"] for row in intents if row["verdict"] == "DENIED")
    orders = list(views.orders.rows.values())
    statuses = Counter(row["status"] for row in orders)
    positions = views.positions.with_marks(views.marks)
    open_positions = [p for p in positions if p["size"] > 0]
    realised = sum((p["realised_pnl"] for p in positions), Decimal(0))
    marked = sum((p["marked_pnl"] for p in positions), Decimal(0))
    fills = views.names.get("OrderFilled", 0)
    volume = sum((o["notional_filled"] for o in orders), Decimal(0))
    fees = sum((o["fees"] for o in orders), Decimal(0))
    example = next((o for o in orders if o["status"] == "FILLED"), orders[0] if orders else None)
    lines = [
        f"Tape ran {source}",
        f"  records    {stats.books} books, {stats.intents} intents "
        f"({stats.duplicates} redelivered), {stats.resolutions} resolutions, "
        f"{stats.bad_lines} bad lines skipped",
        f"  intents    {len(intents)} received, {verdicts['ACCEPTED']} accepted, "
        f"{verdicts['DENIED']} denied",
        f"  denied     {counts(denied.items())}",
        f"  orders     {len(orders)}: {counts(statuses.items())}",
        f"  fills      {fills}, volume {money(volume)} USDC, fees {money(fees)} USDC",
        f"  positions  {len(open_positions)} open; realised PnL {money(realised)} USDC, "
        f"marked PnL {money(marked)} USDC",
        f"  store      {tape.storage.kind} {tape.storage.location} ({views.events} events)",
        f"  venues     {'; '.join(venue_modes())}",
    ]
    if example is not None:
        lines.append(f"  explain    tape why {example['order_id']}")
    return "\n".join(lines)


@click.command()
@click.option(
    "--day", "day", type=click.Path(path_type=Path), required=True, help="A tape.day/1 file."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="tape.toml (default: ./tape.toml, else the environment).",
)
def run(day: Path, config_path: Path | None) -> None:
    """Run a tape.day/1 file through the engine (paper venue unless configured)."""
    config = load_config(config_path)
    tape = build(config, clock=day_clock())
    stats = run_day(tape, config, day)
    click.echo(summary(tape, stats, str(day)))


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
def ingest(file: Path, config_path: Path | None) -> None:
    """Take tape.intent/1 lines from FILE (one JSON object per line) into the engine."""
    config = load_config(config_path)
    tape = build(config, clock=live_clock())
    tape.engine.register_agents(config.agents)
    receipts: Counter[str] = Counter()
    for record in read_intents(_open_lines(file)):
        if isinstance(record, BadLine):
            _report(record.message(file.name))
            tape.engine.reject_input(
                feed=file.name, line_no=record.line_no, reason=record.reason, digest=record.digest
            )
            receipts["invalid"] += 1
            continue
        receipts[tape.engine.submit(record.intent, feed=file.name).status] += 1
    click.echo(f"ingested {file}: {counts(receipts.items())}")
