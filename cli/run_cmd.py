"""``tape run``: a day file through the engine, and the summary of what happened."""

from __future__ import annotations

import itertools
import os
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

import click

from adapters.bootstrap import (
    Tape,
    build,
    day_clock,
    require_postgres,
)
from adapters.clock import ManualClock
from adapters.config_file import TapeConfig
from adapters.day_order import DEFAULT_MAX_GAP, read_day_in_order
from adapters.day_runner import DayRunner, RunStats
from adapters.dayfile import BadLine, DayRecord
from adapters.feed_identity import feed_of
from adapters.settings import Settings
from cli.context import claim_store, pass_settings
from cli.errors import TapeUsageError
from cli.render import counts, money
from cli.scaleout_cmd import refuse_strategy_agents
from cli.scaleout_run import run_with_workers
from engine.service import Recovery
from engine.values import Book
from projections.digest import decision_digest
from projections.views import LogViews


def _report(message: str) -> None:
    click.echo(f"tape: {message}", err=True)


def open_lines(path: Path) -> Iterator[str]:
    """The lines of a file given on the command line (a usage error when it is missing)."""
    if not path.is_file():
        raise TapeUsageError(f"{path}: no such file")
    # Lines end at "\n" only, as the paper venue process reads them: line numbers agree.
    with path.open(encoding="utf-8", errors="replace", newline="\n") as handle:
        yield from handle


@dataclass
class DayRun:
    """A finished (or stopped) day run: what it read and what start-up had to finish."""

    stats: RunStats
    recovery: Recovery


class GracefulStop:
    """SIGTERM/SIGINT: the first finishes the record at hand and stops; a second exits at once
    (still safe: every order was written before its venue call)."""

    def __init__(self, runner: DayRunner) -> None:
        self.runner = runner
        self.previous: dict[int, object] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.runner.stop_requested:
            os._exit(128 + signum)
        self.runner.stop_requested = True
        _report(f"{signal.Signals(signum).name}: finishing the current record, then stopping")

    def __enter__(self) -> GracefulStop:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def run_day(
    tape: Tape, config: TapeConfig, day: Path, *, max_gap: timedelta = DEFAULT_MAX_GAP
) -> DayRun:
    """Run a day file through a wired Tape: agents registered at the day's first time, then
    whatever a crash left unfinished, then the records after the last one taken in (records
    out of the order of time are bad lines: ``adapters.day_order``)."""
    records: Iterator[DayRecord | BadLine] = read_day_in_order(open_lines(day), max_gap=max_gap)
    first: list[DayRecord | BadLine] = []
    for record in records:
        first.append(record)
        if not isinstance(record, BadLine):
            break
    clock = tape.engine.clock
    if not isinstance(clock, ManualClock):
        raise TypeError("a day runs on the day's own clock")
    start = first[-1] if first else None
    if start is not None and not isinstance(start, BadLine):
        clock.set(start.at)
    tape.engine.register_agents(config.agents)
    recovery = tape.engine.recover()
    books = None
    if tape.paper is not None:
        paper, live = tape.paper, tape.live

        def books(book: Book) -> None:
            if book.venue not in live:  # a live venue's books come from the venue itself
                paper.on_book(book)

    feed = feed_of(day)  # known by content: another day.jsonl is another feed
    runner = DayRunner(
        tape.engine,
        clock=clock,
        source=day.name,
        feed=feed,
        books=books,
        report=_report,
        live=frozenset(tape.live),
    )
    with GracefulStop(runner):
        stats = runner.run(
            itertools.chain(first, records), resume_after=recovery.feed_positions.get(feed, 0)
        )
    return DayRun(stats, recovery)


def _strategy_line(intents: list[dict[str, Any]]) -> list[str]:
    # Only when strategies gave intents: a copy day's summary is what it always was.
    by_agent = Counter(row["agent"] for row in intents if row["source_kind"] == "strategy")
    if not by_agent:
        return []
    return [f"  strategies {sum(by_agent.values())} intents given: {counts(by_agent.items())}"]


def summary(tape: Tape, run: DayRun, source: str) -> str:
    """What happened, read back from the log."""
    stats = run.stats
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
    digest = decision_digest(tape.app)
    lines = [f"Tape ran {source}"]
    if stats.skipped or run.recovery.reconciled or run.recovery.decided:
        lines.append(
            f"  resumed    {stats.skipped} records already taken in; reconciled "
            f"{counts(run.recovery.reconciled.items())}; decided {run.recovery.decided} "
            "pending intents"
        )
    if stats.stopped_at is not None:
        lines.append(f"  stopped    after line {stats.stopped_at}; run again to resume")
    trades = f"{stats.trades} trades, " if stats.trades else ""
    lines += [
        f"  records    {stats.books} books, {trades}{stats.intents} intents "
        f"({stats.duplicates} redelivered), {stats.resolutions} resolutions, "
        f"{stats.bad_lines} bad lines skipped",
        f"  intents    {len(intents)} received, {verdicts['ACCEPTED']} accepted, "
        f"{verdicts['DENIED']} denied",
        *_strategy_line(intents),
        f"  denied     {counts(denied.items())}",
        f"  orders     {len(orders)}: {counts(statuses.items())}",
        f"  fills      {fills}, volume {money(volume)} USDC, fees {money(fees)} USDC",
        f"  positions  {len(open_positions)} open; realised PnL {money(realised)} USDC, "
        f"marked PnL {money(marked)} USDC",
        f"  store      {tape.storage.kind} {tape.storage.location} ({views.events} events)",
        f"  digest     {digest.hexdigest} ({digest.events} events)",
        f"  venues     {tape.venue_note}",
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
@click.option(
    "--paper-url",
    default=None,
    help="A `tape paper-venue` process to trade against (default: $TAPE_PAPER_URL, else "
    "an in-process paper venue).",
)
@click.option(
    "--paper",
    "paper_only",
    is_flag=True,
    help="Stay on paper even where venue keys are set (also TAPE_PAPER_ONLY=1).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Scale out on TAPE_DATABASE_URL (PostgreSQL): the day into the ingest log, then N "
    "`tape worker` processes, a `tape paper-venue` and two `tape project` processes.",
)
@pass_settings
def run(  # noqa: PLR0917 - click passes each option positionally
    settings: Settings,
    day: Path,
    config_path: Path | None,
    paper_url: str | None,
    paper_only: bool,
    workers: int | None,
) -> None:
    """Run a tape.day/1 file through the engine (paper venue unless configured). After a crash,
    running it again finishes what was in flight and resumes after the last record taken in."""
    if workers is not None:
        refuse_strategy_agents(settings.with_config(config_path).tape_config())
        click.echo(
            run_with_workers(
                settings,
                storage=require_postgres(settings),
                day=day,
                config_path=config_path,
                workers=workers,
                paper_url=paper_url,
            )
        )
        return
    config = settings.with_config(config_path).tape_config()
    claim_store(settings, "tape run")
    tape = build(settings, config, clock=day_clock(), paper_url=paper_url, paper_only=paper_only)
    result = run_day(tape, config, day, max_gap=settings.max_time_gap)
    click.echo(summary(tape, result, str(day)))
