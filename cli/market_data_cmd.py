"""``tape market-data``: a live strategy run: poll the books the strategy agents name and give
them to their strategies, trading what they decide (on paper against the live books where a
venue has no keys)."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from adapters.bootstrap import build, live_clock
from adapters.market_data_runner import MarketDataRunner, strategy_instruments
from adapters.settings import Settings
from adapters.stopping import StopSignal
from cli.context import claim_store, pass_settings
from cli.errors import TapeUsageError


def _report(message: str) -> None:
    click.echo(f"tape market-data: {message}", err=True)


@click.command("market-data")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option(
    "--every",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between two polls of every book.",
)
@click.option(
    "--polls",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many polls (default: until SIGINT/SIGTERM).",
)
@pass_settings
def market_data(
    settings: Settings, config_path: Path | None, every: float, polls: int | None
) -> None:
    """Poll the books of the markets the strategy agents name and run their strategies on
    them, live (each book that changed is recorded: `tape replay --verify` and `tape
    export-day` work on the day)."""
    config = settings.with_config(config_path).tape_config()
    instruments = strategy_instruments(config.agents)
    if not instruments:
        raise TapeUsageError(
            "no strategy agent names a market: give a mean_reversion or momentum agent "
            "`markets` (token ids) in tape.toml"
        )
    claim_store(settings, "tape market-data")
    tape = build(settings, config, clock=live_clock())
    tape.engine.register_agents(config.agents)
    tape.engine.recover()
    runner = MarketDataRunner(tape.engine, instruments, report=_report)
    stop = StopSignal()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    _report(f"polling {len(instruments)} books every {every:g}s ({tape.venue_note})")
    done = runner.run(every, stop, polls)
    click.echo(f"tape market-data: {done} polls of {len(instruments)} books; stopped")
