"""``tape follow WALLET... [--agent NAME]``: follow traders end to end in one command: the
keyless monitor in a supervised thread, the engine beside it, resting fills, halts' cancels and
market resolutions (``adapters/follow.py``). Without keys it trades on paper."""

from __future__ import annotations

import signal
from collections.abc import Sequence
from pathlib import Path

import click

from adapters.bootstrap import build, live_clock
from adapters.follow import FollowLoop, Supervised
from adapters.intent_tail import IntentTail, default_offset_path
from adapters.polymarket_data import (
    Backoff,
    DataApiClient,
    FileSink,
    Monitor,
    MonitorSettings,
    StateError,
    StateStore,
)
from adapters.polymarket_data.monitor import DEFAULT_INTERVAL_S, DEFAULT_OVERLAP_S
from adapters.resolutions.poller import ResolutionPoller
from adapters.resolutions.sources import resolution_sources
from adapters.settings import Settings
from adapters.stopping import StopSignal
from cli.context import claim_store, pass_settings
from cli.errors import TapeUsageError
from cli.monitor_options import parse_since, parse_wallets
from cli.render import counts
from engine.config import AgentConfig


def _report(message: str) -> None:
    click.echo(f"tape follow: {message}", err=True)


def _agent_name(agent: str | None, names: list[str]) -> str | None:
    """The agent named by ``--agent`` (checked), or None: the trades go out as signals, taken
    in by every copy agent that follows their trader."""
    if agent is not None and agent not in names:
        raise TapeUsageError(f"--agent: no agent named {agent!r} in the configuration")
    return agent


def _unfollowed(
    traders: Sequence[str], agents: Sequence[AgentConfig], name: str | None
) -> list[str]:
    """Lines for wallets whose trades no agent would take (the named one, or any follower)."""
    lines = []
    for wallet in traders:
        takers = [a.name for a in agents if (name is None or a.name == name) and wallet in a.follow]
        if not takers:
            who = f"{name}'s follow list" if name else "any agent's follow list"
            lines.append(f"{wallet} is not in {who}: its trades will be denied")
    return lines


@click.command("follow")
@click.argument("wallets", nargs=-1, required=True)
@click.option(
    "--agent",
    default=None,
    help="The copy agent whose rules trade them (default: every agent that follows them).",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option("--paper", is_flag=True, help="Trade on paper even where keys are set.")
@click.option("--interval", type=click.FloatRange(min=0.0), default=DEFAULT_INTERVAL_S)
@click.option("--overlap", type=click.IntRange(min=0), default=DEFAULT_OVERLAP_S)
@click.option("--since", default=None, help="First poll of a new wallet starts here.")
@click.option("--resolve-interval", type=click.FloatRange(min=0.1), default=30.0)
@click.option("--housekeeping-interval", type=click.FloatRange(min=0.05), default=5.0)
@click.option("--no-resolutions", is_flag=True, help="Do not poll market resolutions.")
@click.option("--backoff-base", type=float, default=0.5, hidden=True)
@click.option("--page-limit", type=click.IntRange(1, 500), default=500, hidden=True)
@pass_settings
def follow(
    settings: Settings,
    *,
    wallets: tuple[str, ...],
    agent: str | None,
    config_path: Path | None,
    paper: bool,
    interval: float,
    overlap: int,
    since: str | None,
    resolve_interval: float,
    housekeeping_interval: float,
    no_resolutions: bool,
    backoff_base: float,
    page_limit: int,
) -> None:
    """Follow WALLET(s) and trade their trades under the rules of every copy agent that follows
    them (or of ``--agent`` alone), until SIGINT/SIGTERM.

    The monitor reads no key. Kill it at any moment: a restart loses no trade and trades none
    twice.
    """
    traders = parse_wallets(",".join(wallets))
    config = settings.with_config(config_path).tape_config()
    name = _agent_name(agent, [a.name for a in config.agents])
    for line in _unfollowed(traders, list(config.agents), name):
        _report(line)
    claim_store(settings, "tape follow")
    tape = build(settings, config, clock=live_clock(), paper_only=paper)
    tape.engine.register_agents(config.agents)
    recovery = tape.engine.recover()
    _report(f"venues: {tape.venue_note}")
    if recovery.reconciled or recovery.decided:
        _report(f"recovered: {counts(recovery.reconciled.items())}; decided {recovery.decided}")

    folder = settings.home / "follow"
    intents = folder / "intents.jsonl"
    store = StateStore(folder / "monitor")
    try:
        store.lock()
    except StateError as error:
        raise TapeUsageError(str(error)) from None
    intents.touch()
    stop = StopSignal()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    backoff = Backoff(base=backoff_base, cap=30.0)
    client = DataApiClient(
        settings.monitor.data_url, backoff=backoff, stop=stop, page_limit=page_limit
    )
    monitor_settings = MonitorSettings(
        traders=traders, agent=name, overlap_s=overlap, since=parse_since(since)
    )

    def watch() -> None:
        try:
            watcher = Monitor(
                client, store, FileSink(intents), monitor_settings, report=_report, stop=stop
            )
        except StateError as error:
            _report(str(error))
            stop.set()
            return
        watcher.run(interval=interval)

    poller = None
    if not no_resolutions:
        sources = resolution_sources(settings.venue_environ)
        poller = ResolutionPoller(tape.engine, sources, report=_report)
    loop = FollowLoop(
        tape.engine,
        IntentTail(intents, default_offset_path(settings.home, intents), report=_report),
        agents=[a.name for a in config.agents],
        poller=poller,
        stop=stop,
        report=_report,
        housekeeping_s=housekeeping_interval,
        resolve_s=resolve_interval,
    )
    who = name or "signals to every agent that follows them"
    _report(f"following {len(traders)} wallet(s) as {who} at {client.base_url}")
    monitor = Supervised("monitor", watch, stop=stop, report=_report).start()
    try:
        receipts = loop.run()
    finally:
        stop.set()
        monitor.join(timeout=30)
        store.unlock()
    click.echo(f"followed (stopped): {counts(receipts.items())}")
