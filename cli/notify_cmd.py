"""``tape notify``: tell the owner what happened, through Telegram and webhooks.

``tape notify [--follow]`` takes new events of the log into the outbox and delivers them to
every configured channel (one thread per channel); ``tape notify test`` sends one message to
every channel and says what answered.
"""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from types import FrameType

import click

from adapters.bootstrap import build, live_clock
from adapters.notify.bot import Switch
from adapters.notify.channels import Channel, ChannelError, Outgoing
from adapters.notify.delivery import ChannelBusyError
from adapters.notify.wiring import build_channels
from adapters.settings import Settings
from adapters.stopping import StopSignal
from cli.context import pass_settings
from cli.errors import TapeProblem, TapeUsageError
from cli.notify_runner import DEFAULT_POLL_S, RunningNotifier, start_notifier
from cli.projections_cmd import open_upstreams, workers_option
from engine.commands import SetTradingState
from engine.service import TradingEngine
from engine.values import TradingState
from projections.notices import Notice


def _echo_err(line: str) -> None:
    click.echo(f"tape notify: {line}", err=True)


def _channels(settings: Settings) -> tuple[list[Channel], Settings]:
    config = settings.tape_config().notify
    channels = build_channels(settings, config)
    if not channels:
        raise TapeUsageError(
            "no channel configured: set TAPE_TELEGRAM_BOT_TOKEN and TAPE_TELEGRAM_CHAT_ID, "
            "or [notify.webhook] urls in tape.toml"
        )
    return channels, settings


@click.group(invoke_without_command=True)
@click.option("--follow", is_flag=True, help="Keep following the log until SIGTERM or Ctrl-C.")
@click.option(
    "--poll",
    type=click.FloatRange(min=0.01),
    default=DEFAULT_POLL_S,
    show_default=True,
    help="Seconds between two looks at the log once caught up.",
)
@click.option(
    "--from-start",
    is_flag=True,
    help="On a first run, tell the whole log's history (default: only what happens from now).",
)
@workers_option
@pass_settings
@click.pass_context
def notify(  # noqa: PLR0917 - click passes the options positionally
    ctx: click.Context,
    settings: Settings,
    follow: bool,
    poll: float,
    from_start: bool,
    workers: int | None,
) -> None:
    """Send notices of fills, denials, rejections, breaker trips, halts, stop losses,
    settlements and the daily summary to Telegram and webhooks ([notify] in tape.toml)."""
    if ctx.invoked_subcommand is not None:
        return
    for channel in _channels(settings)[0]:  # none configured: a usage error, nothing opened
        channel.close()
    apps, storage = open_upstreams(workers, settings)
    try:
        running = start_notifier(
            settings,
            apps,
            storage,
            switch=_engine_switch(settings) if workers is None else None,
            from_start=from_start,
            poll_s=poll,
            report=_echo_err,
            start=False,
        )
    except ChannelBusyError as error:
        raise TapeProblem(str(error)) from None
    if running is None:  # cannot be: a channel is configured and every lock is held
        raise TapeProblem("no channel to deliver to")
    if running.fresh:
        click.echo("first run: telling only what happens from now on (--from-start: everything)")
    if not follow:
        try:
            read = running.once()
        finally:
            summary = running.stop()
        click.echo(f"read {read} events; " + summary)
        return
    _follow(running)


def _engine_switch(settings: Settings) -> Switch:
    """``SetTradingState`` through the engine's facade, the engine built on first use."""
    built: list[TradingEngine] = []

    def switch(name: str, state: TradingState, reason: str) -> bool:
        if not built:
            built.append(build(settings, settings.tape_config(), clock=live_clock()).engine)
        return bool(built[0].handle(SetTradingState(name=name, state=state, reason=reason)))

    return switch


def _follow(running: RunningNotifier) -> None:
    stop = StopSignal()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        click.echo(f"notifying {running.names} every {running.poll_s:g}s (SIGTERM or Ctrl-C stops)")
        running.start()
        stop.wait()
        click.echo("stopped; " + running.stop())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@notify.command("test")
@pass_settings
def test_command(settings: Settings) -> None:
    """Send one message to every configured channel and say what answered (exit 1 if any
    did not)."""
    channels, _ = _channels(settings)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    notice = Notice("test", f"test:{now}", now, f"Tape notification test ({now})")
    failed = 0
    for channel in channels:
        try:
            channel.send(Outgoing(notice))
        except ChannelError as error:
            failed += 1
            click.echo(f"{channel.name}: FAILED: {error}")
        else:
            click.echo(f"{channel.name}: ok")
        finally:
            channel.close()
    if failed:
        raise TapeProblem(f"{failed} of {len(channels)} channels did not take the test message")
