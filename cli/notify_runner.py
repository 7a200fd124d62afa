"""The notifier as a part of any long-running command: ``start_notifier(...)`` starts it beside
the engine (``tape serve``, ``tape follow``, ``tape notify --follow``) and ``stop()`` ends it.

It runs on threads of its own: one follows the log into the outbox (closing quiet denial groups
and, when the clock passes a day's end, writing that day's summary), one per channel delivers,
and one polls Telegram for commands when someone is allowed to send them. It never runs inside
a decision: it reads the log the engine appended to, and only a confirmed ``/halt`` or
``/activate`` reaches the engine, through the ``switch`` the command gives it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from adapters.notify.bot import Switch, TelegramBot
from adapters.notify.channels import Channel, ChannelError
from adapters.notify.config import NotifyConfig
from adapters.notify.delivery import ChannelBusyError, ChannelLock, Deliverer
from adapters.notify.outbox import Notifier
from adapters.notify.telegram import TelegramChannel
from adapters.notify.wiring import build_channels, build_notifier
from adapters.readstore import open_store
from adapters.settings import Settings
from adapters.stopping import StopSignal
from adapters.storage import Storage
from cli.notify_replies import QueryReplies
from cli.projections_cmd import open_projector
from engine.application import TapeApplication
from projections.queries import TrackedReadModels

Report = Callable[[str], None]
DEFAULT_POLL_S = 1.0


@dataclass
class RunningNotifier:
    """A notifier and its channels; :meth:`start` runs them on threads, :meth:`stop` ends
    them and lets the channels go."""

    notifier: Notifier
    deliverers: list[Deliverer]
    locks: list[ChannelLock]
    bot: TelegramBot | None = None
    poll_s: float = DEFAULT_POLL_S
    report: Report = lambda _: None
    fresh: bool = False  # a first run, started at the log's end
    stopping: StopSignal = field(default_factory=StopSignal)
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def names(self) -> str:
        """The channels, by name."""
        return ", ".join(d.channel.name for d in self.deliverers)

    def start(self) -> RunningNotifier:
        """Start following the log and delivering."""
        self.threads = [threading.Thread(target=self._follow, name="notifier", daemon=True)]
        self.threads += [
            threading.Thread(
                target=d.run, args=(self.stopping, self.poll_s), name=d.channel.name, daemon=True
            )
            for d in self.deliverers
        ]
        if self.bot is not None:
            self.threads.append(threading.Thread(target=self._commands, daemon=True))
        for thread in self.threads:
            thread.start()
        return self

    def once(self) -> int:
        """Take in what the log holds and deliver it, without threads; events read."""
        read = self.notifier.catch_up()
        self.notifier.close_day()  # a day the clock has left is summed now
        for deliverer in self.deliverers:
            deliverer.deliver()
        return read

    def stop(self, timeout_s: float = 30.0) -> str:
        """Stop every thread, let the channels go; what was sent, as one line."""
        self.stopping.set()
        deadline = time.monotonic() + timeout_s
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for lock in self.locks:
            lock.release()
        for deliverer in self.deliverers:
            deliverer.channel.close()
        return self.summary()

    def summary(self) -> str:
        """Each channel's count of notices sent and given up."""
        return ", ".join(
            f"{d.channel.name}: sent {d.sent}" + (f", gave up {d.given_up}" if d.given_up else "")
            for d in self.deliverers
        )

    def _follow(self) -> None:
        notifier = self.notifier
        while not self.stopping.is_set():
            try:
                read = notifier.catch_up(stop=self.stopping.is_set)
                if read < notifier.batch_size:
                    notifier.close_quiet_group()
                    notifier.close_day()
                    self.stopping.wait(self.poll_s)
            except Exception as error:
                self.report(f"notifier: {type(error).__name__}: {error}; trying again")
                self.stopping.wait(max(self.poll_s, 5.0))

    def _commands(self) -> None:
        bot = self.bot
        while bot is not None and not self.stopping.is_set():
            try:
                if not bot.poll():
                    self.stopping.wait(self.poll_s)
            except ChannelError as error:
                self.report(f"telegram commands: {error}")
                self.stopping.wait(max(self.poll_s, 5.0))


def start_notifier(
    settings: Settings,
    apps: Sequence[TapeApplication],
    storage: Storage,
    *,
    switch: Switch | None = None,
    from_start: bool = False,
    poll_s: float = DEFAULT_POLL_S,
    report: Report = lambda _: None,
    busy_channels: str = "fail",
    start: bool = True,
) -> RunningNotifier | None:
    """The notifier over ``apps`` (the engine's log, or the workers'), its store beside
    ``storage``'s read models, delivering to every configured channel; started unless
    ``start`` is False. A first run starts at the log's end unless ``from_start`` (then
    ``fresh`` is True). None when no channel is configured. A channel another process
    delivers to (its lock is held) raises :class:`ChannelBusyError` (``busy_channels="fail"``)
    or is left to that process, with a line (``"skip"``). ``switch``: how a confirmed
    ``/halt`` or ``/activate`` reaches the engine (None: they are not offered)."""
    config = settings.tape_config().notify
    channels = build_channels(settings, config)
    locks = _lock(channels, storage, settings, busy_channels, report)
    channels = [c for c in channels if any(lock.channel == c.name for lock in locks)]
    if not channels:
        return None
    projector = open_projector(list(apps), storage, settings=settings)
    notifier = build_notifier(apps, projector, config, batch=settings.projection_batch or 500)
    fresh = not from_start and notifier.start_at_end()
    running = RunningNotifier(
        notifier,
        [_deliverer(storage, channel, config, report) for channel in channels],
        locks,
        _bot(settings, config, channels, apps, storage, switch, report),
        poll_s,
        report,
        fresh=fresh,
    )
    return running.start() if start else running


def _lock(
    channels: list[Channel], storage: Storage, settings: Settings, busy: str, report: Report
) -> list[ChannelLock]:
    locks: list[ChannelLock] = []
    for channel in channels:
        lock = ChannelLock(storage.kind, settings.home, storage.env, channel.name)
        try:
            lock.acquire()
        except ChannelBusyError as error:
            if busy != "skip":
                for held in locks:
                    held.release()
                raise
            report(f"{error}: not delivering to it from here")
            channel.close()
            continue
        locks.append(lock)
    return locks


def _deliverer(
    storage: Storage, channel: Channel, config: NotifyConfig, report: Report
) -> Deliverer:
    store = open_store(storage.kind, storage.location, storage.env)  # one per thread
    retries = config.telegram.retries if channel.name == "telegram" else config.webhook.retries
    return Deliverer(
        store,
        channel,
        link=config.why_url,
        retries=retries,
        backoff_s=config.webhook.backoff_s,
        report=report,
    )


def _bot(  # noqa: PLR0917
    settings: Settings,
    config: NotifyConfig,
    channels: list[Channel],
    apps: Sequence[TapeApplication],
    storage: Storage,
    switch: Switch | None,
    report: Report,
) -> TelegramBot | None:
    """The command bot, when Telegram is a channel and someone is allowed to command it."""
    telegram = next((c for c in channels if isinstance(c, TelegramChannel)), None)
    if telegram is None or not config.telegram.allowed_users:
        return None
    projector = open_projector(list(apps), storage, settings=settings)  # its own connection
    replies = QueryReplies(TrackedReadModels(projector), list(apps))
    return TelegramBot(
        telegram,
        open_store(storage.kind, storage.location, storage.env),
        config.telegram.allowed_users,
        replies,
        switch,
        report=report,
    )
