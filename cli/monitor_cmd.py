"""``tape monitor``: follow Polymarket wallets (keyless) and emit their trades as intents (its
option parsing: ``cli/monitor_options.py``)."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import click

from adapters.polymarket_chain.source import (
    DEFAULT_CHAIN_INTERVAL_S,
    DEFAULT_CONFIRMATIONS,
    DEFAULT_MAX_RANGE,
)
from adapters.polymarket_data import (
    Backoff,
    DataApiClient,
    FileSink,
    HttpSink,
    IntentSink,
    Monitor,
    MonitorSettings,
    SinkError,
    StateError,
    StateStore,
)
from adapters.polymarket_data.monitor import DEFAULT_INTERVAL_S, DEFAULT_OVERLAP_S
from adapters.settings import TOKEN_ENV, Settings
from adapters.stopping import StopSignal
from cli.context import pass_settings
from cli.errors import TapeUsageError
from cli.monitor_options import parse_addresses, parse_since, parse_wallets
from cli.monitor_sources import SOURCES, ChainOptions, chain_source, run_sources


def _report(message: str) -> None:
    click.echo(f"tape monitor: {message}", err=True)


def _sink(
    settings: Settings, out: Path | None, post: str | None, stop: StopSignal, backoff: Backoff
) -> IntentSink:
    if out is not None:
        return FileSink(out)
    assert post is not None  # noqa: S101 - checked by the caller
    return HttpSink(
        post,
        token=settings.api_token.reveal() if settings.api_token is not None else None,
        stop=stop,
        backoff=backoff,
        report=_report,
    )


@contextlib.contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` (the loop finishes its step and returns) while inside."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@click.command()
@click.option(
    "--follow", "follow", required=True, help="Wallets to follow (proxy wallets): 0xabc,0xdef."
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Append the intents to this JSONL file (fsynced).",
)
@click.option(
    "--post",
    "post",
    default=None,
    help="POST the intents to tape serve, e.g. http://127.0.0.1:8787/intents "
    f"(bearer token from ${TOKEN_ENV}).",
)
@click.option(
    "--agent",
    default=None,
    help="Address the intents to this agent; without it they address no agent and go to "
    "every copy agent following the trader.",
)
@click.option(
    "--state",
    "state_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="State folder (default: $TAPE_HOME/monitor).",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0.0),
    default=DEFAULT_INTERVAL_S,
    show_default=True,
    help="Seconds between polls.",
)
@click.option(
    "--overlap",
    type=click.IntRange(min=0),
    default=DEFAULT_OVERLAP_S,
    show_default=True,
    help="Seconds each poll looks back before the newest trade seen (the API lags ~1 min).",
)
@click.option(
    "--since",
    default=None,
    help="First poll of a new wallet starts here (unix seconds or RFC 3339); "
    "default: the start less the overlap.",
)
@click.option("--once", is_flag=True, help="Poll once and exit (tests, cron).")
@click.option(
    "--source",
    type=click.Choice(SOURCES),
    default="data-api",
    show_default=True,
    help="Where trades are seen: the Data API, the exchanges' logs on Polygon "
    "(POLYGON_RPC_URL), or both (each trade emitted once).",
)
@click.option(
    "--confirmations",
    type=click.IntRange(min=0),
    default=DEFAULT_CONFIRMATIONS,
    show_default=True,
    help="Chain source: blocks on top of a fill before it is copied (reorg safety).",
)
@click.option(
    "--from-block",
    type=click.IntRange(min=0),
    default=None,
    help="Chain source, first start: the first block read (default: the next safe block).",
)
@click.option(
    "--chain-interval",
    type=click.FloatRange(min=0.0),
    default=DEFAULT_CHAIN_INTERVAL_S,
    show_default=True,
    help="Chain source: seconds between polls of the node.",
)
@click.option("--exchange", "exchanges", multiple=True, hidden=True)
@click.option("--max-range", type=click.IntRange(min=1), default=DEFAULT_MAX_RANGE, hidden=True)
@click.option("--backoff-base", type=float, default=0.5, hidden=True)
@click.option("--backoff-cap", type=float, default=30.0, hidden=True)
@click.option("--page-limit", type=click.IntRange(1, 500), default=500, hidden=True)
@pass_settings
def monitor(
    settings: Settings,
    *,
    follow: str,
    out: Path | None,
    post: str | None,
    agent: str | None,
    state_dir: Path | None,
    interval: float,
    overlap: int,
    since: str | None,
    once: bool,
    source: str,
    confirmations: int,
    from_block: int | None,
    chain_interval: float,
    exchanges: tuple[str, ...],
    max_range: int,
    backoff_base: float,
    backoff_cap: float,
    page_limit: int,
) -> None:
    """Follow Polymarket wallets through the public Data API, or the exchanges' logs on Polygon
    (--source chain, both), and emit each trade as an intent.

    Reads no key. Every trader order (the fills of one transaction, token and side) becomes one
    tape.intent/1 intent, emitted once across restarts; kill it at any moment. Without --agent
    the intents address no agent: every copy agent following the trader decides them. Fills
    that show up after an order's intent went out become a follow-up intent
    (copy:<tx>:<token>:<side>:<n>) for the shares not yet copied.
    """
    traders = parse_wallets(follow)
    if (out is None) == (post is None):
        raise TapeUsageError("give exactly one of --out FILE or --post URL")
    if agent is not None and not agent.strip():
        raise TapeUsageError("--agent: must not be empty")
    if post is not None and not post.startswith(("http://", "https://")):
        raise TapeUsageError(f"--post: {post!r} is not an http:// or https:// URL")
    stop = StopSignal()
    backoff = Backoff(base=backoff_base, cap=backoff_cap)
    sink = _sink(settings, out, post, stop, backoff)
    store = StateStore(state_dir or settings.home / "monitor")
    try:
        store.lock()
    except StateError as error:
        raise TapeUsageError(str(error)) from None
    try:
        client = DataApiClient(
            settings.monitor.data_url,
            backoff=backoff,
            stop=stop,
            page_limit=page_limit,
        )
        try:
            watcher = Monitor(
                client,
                store,
                sink,
                MonitorSettings(
                    traders=traders, agent=agent, overlap_s=overlap, since=parse_since(since)
                ),
                report=_report,
                stop=stop,
            )
        except StateError as error:
            raise TapeUsageError(str(error)) from None
        chain = None
        if source != "data-api":
            options = ChainOptions(
                confirmations, from_block, chain_interval, parse_addresses(exchanges), max_range
            )
            chain = chain_source(settings, watcher, options, _report)
        seen_at = {"data-api": client.base_url, "chain": "the Polygon node", "both": "both"}
        _report(
            f"following {len(traders)} wallet(s) at {seen_at[source]} -> {sink.describe()} "
            f"(state {store.folder})"
        )
        try:
            with _stop_on_signals(stop):
                stats = run_sources(
                    source,
                    watcher,
                    chain,
                    interval=interval,
                    chain_interval=chain_interval,
                    once=once,
                )
        except SinkError as error:
            _report(f"cannot deliver: {error}")
            sys.exit(1)
    finally:
        store.unlock()
    if once:
        click.echo(
            f"monitor: {len(traders)} wallet(s) polled, {stats.emitted} intent(s) emitted, "
            f"{stats.skipped} skipped, {len(stats.unreachable)} unreachable"
        )
        if stats.unreachable:
            sys.exit(1)  # the command ran and found a problem
    else:
        _report("stopped")
