"""``tape resolutions``: the resolutions recorded; ``--poll`` watches the markets held and
settles those that resolve (``adapters/resolutions``). It writes the store, so on SQLite it
runs when no other engine does; ``tape follow`` and ``tape serve --resolutions S`` run the same
poller inside their own engine."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from adapters.bootstrap import build, live_clock, open_app
from adapters.control.holdings import events_of
from adapters.resolutions.poller import ResolutionPoller
from adapters.resolutions.sources import resolution_sources
from adapters.settings import Settings
from adapters.stopping import StopSignal
from cli.context import claim_store, pass_settings
from cli.render import table, to_json
from engine.ingest_records import MarketResolution
from engine.intent import format_utc


def _report(line: str) -> None:
    click.echo(f"tape resolutions: {line}", err=True)


@click.command("resolutions")
@click.option("--poll", is_flag=True, help="Watch the markets held and settle those that end.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=30.0, show_default=True)
@click.option("--once", is_flag=True, help="With --poll: poll once and exit.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option("--json", "as_json", is_flag=True)
@pass_settings
def resolutions(
    settings: Settings,
    *,
    poll: bool,
    interval: float,
    once: bool,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Market resolutions seen live (Gamma's closed markets, Kalshi's settlement results)."""
    if not poll:
        app, _ = open_app(settings)
        rows = [
            {
                "venue": e.venue,
                "market_id": e.market_id,
                "winning_token_id": e.winning_token_id,
                "at": format_utc(e.timestamp),
            }
            for e in events_of(app, MarketResolution.MarketResolved)
        ]
        click.echo(to_json(rows) if as_json else table(rows, list(rows[0]) if rows else []))
        return
    claim_store(settings, "tape resolutions --poll")
    tape = build(settings, settings.with_config(config_path).tape_config(), clock=live_clock())
    poller = ResolutionPoller(
        tape.engine, resolution_sources(settings.venue_environ), report=_report
    )
    if once:
        result = poller.poll_once()
        click.echo(f"resolutions: {result.asked} market(s) asked, {len(result.resolved)} settled")
        if result.failed:
            raise SystemExit(1)
        return
    stop = StopSignal()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    _report(f"polling the markets held every {interval:g} s")
    poller.run(stop=stop, interval=interval)
    _report("stopped")
