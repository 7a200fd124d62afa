"""``tape notify``: tell the owner what happened, through Telegram and webhooks.

``tape notify [--follow]`` takes new events of the log into the outbox and delivers them to
every configured channel (one thread per channel); ``tape notify test`` sends one message to
every channel and says what answered.
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, datetime
from types import FrameType

import click

from adapters.bootstrap import build, live_clock
from adapters.notify.bot import Switch, TelegramBot
from adapters.notify.channels import Channel, ChannelError, Outgoing
from adapters.notify.config import NotifyConfig
from adapters.notify.delivery import ChannelBusyError, ChannelLock, Deliverer
from adapters.notify.outbox import Notifier
from adapters.notify.telegram import TelegramChannel
from adapters.notify.wiring import build_channels, build_notifier
from adapters.readstore import open_store
from adapters.settings import Settings
from adapters.stopping import StopSignal
from adapters.storage import Storage
from cli.context import pass_settings
from cli.errors import TapeProblem, TapeUsageError
from cli.notify_replies import QueryReplies
from cli.projections_cmd import open_projector, open_upstreams, workers_option
from engine.application import TapeApplication
from engine.commands import SetTradingState
from engine.service import TradingEngine
from engine.values import TradingState
from projections.notices import Notice
from projections.queries import TrackedReadModels

DEFAULT_POLL_S = 1.0


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
    channels, _ = _channels(settings)
    config = settings.tape_config().notify
    apps, storage = open_upstreams(workers, settings)
    projector = open_projector(apps, storage, settings=settings)
    notifier = build_notifier(apps, projector, config, batch=settings.projection_batch or 500)
    if not from_start and notifier.start_at_end():
        click.echo("first run: telling only what happens from now on (--from-start: everything)")
    locks = _lock_all(channels, storage, settings)
    stop = StopSignal()
    deliverers = [_deliverer(storage, channel, config) for channel in channels]
    try:
        if not follow:
            read = notifier.catch_up()
            for deliverer in deliverers:
                deliverer.deliver()
            click.echo(f"read {read} events; " + _summary(deliverers))
            return
        bot = _bot(settings, config, channels, apps, storage, single=workers is None)
        _follow(notifier, deliverers, stop, poll, bot)
    finally:
        for lock in locks:
            lock.release()
        for channel in channels:
            channel.close()


def _lock_all(channels: list[Channel], storage: Storage, settings: Settings) -> list[ChannelLock]:
    locks = []
    try:
        for channel in channels:
            lock = ChannelLock(storage.kind, settings.home, storage.env, channel.name)
            lock.acquire()
            locks.append(lock)
    except ChannelBusyError as error:
        for lock in locks:
            lock.release()
        raise TapeProblem(str(error)) from None
    return locks


def _deliverer(storage: Storage, channel: Channel, config: NotifyConfig) -> Deliverer:
    store = open_store(storage.kind, storage.location, storage.env)  # one per thread
    retries = config.telegram.retries if channel.name == "telegram" else config.webhook.retries
    return Deliverer(
        store,
        channel,
        link=config.why_url,
        retries=retries,
        backoff_s=config.webhook.backoff_s,
        report=_echo_err,
    )


def _summary(deliverers: list[Deliverer]) -> str:
    return ", ".join(
        f"{d.channel.name}: sent {d.sent}" + (f", gave up {d.given_up}" if d.given_up else "")
        for d in deliverers
    )


def _bot(
    settings: Settings,
    config: NotifyConfig,
    channels: list[Channel],
    apps: list[TapeApplication],
    storage: Storage,
    *,
    single: bool,
) -> TelegramBot | None:
    """The command bot, when Telegram is a channel and someone is allowed to command it."""
    telegram = next((c for c in channels if isinstance(c, TelegramChannel)), None)
    if telegram is None or not config.telegram.allowed_users:
        return None
    projector = open_projector(apps, storage, settings=settings)  # a connection of its own
    replies = QueryReplies(TrackedReadModels(projector), list(apps))
    switch = _engine_switch(settings) if single else None
    return TelegramBot(
        telegram,
        open_store(storage.kind, storage.location, storage.env),
        config.telegram.allowed_users,
        replies,
        switch,
        report=_echo_err,
    )


def _engine_switch(settings: Settings) -> Switch:
    """``SetTradingState`` through the engine's facade, the engine built on first use."""
    built: list[TradingEngine] = []

    def switch(name: str, state: TradingState, reason: str) -> bool:
        if not built:
            built.append(build(settings, settings.tape_config(), clock=live_clock()).engine)
        return bool(built[0].handle(SetTradingState(name=name, state=state, reason=reason)))

    return switch


def _run_bot(bot: TelegramBot, stop: StopSignal, poll: float) -> None:
    while not stop.is_set():
        try:
            if not bot.poll():
                stop.wait(poll)
        except ChannelError as error:
            _echo_err(f"telegram commands: {error}")
            stop.wait(max(poll, 5.0))


def _follow(
    notifier: Notifier,
    deliverers: list[Deliverer],
    stop: StopSignal,
    poll: float,
    bot: TelegramBot | None = None,
) -> None:
    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    threads = [
        threading.Thread(target=d.run, args=(stop, poll), name=d.channel.name, daemon=True)
        for d in deliverers
    ]
    if bot is not None:
        threads.append(threading.Thread(target=_run_bot, args=(bot, stop, poll), daemon=True))
    try:
        names = ", ".join(d.channel.name for d in deliverers)
        click.echo(f"notifying {names} every {poll:g}s (SIGTERM or Ctrl-C stops)")
        for thread in threads:
            thread.start()
        while not stop.is_set():
            read = notifier.catch_up(stop=stop.is_set)
            if read < notifier.batch_size:
                notifier.close_quiet_group()
                stop.wait(poll)
        for thread in threads:
            thread.join()
        click.echo("stopped; " + _summary(deliverers))
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
