"""Delivering the outbox to one channel, in order, off every decision's path.

A :class:`Deliverer` sends a channel's pending notices one at a time and moves the channel's
position after each (``adapters/notify/outbox.py``). A transient failure (timeout, 5xx, flood
control) stops the round: the caller waits a backoff that doubles with each failure and tries
the same notice again, so order is kept; after ``retries`` failures in a row that notice is
given up with a line on stderr and a row of ``notify_given_up`` (written with the channel's
position, so it is recorded once; the API's ``/errors`` shows it), and the next one goes. A
permanent refusal (a 4xx) gives it up at once. Each channel has its own thread, store
connection and position, so a slow channel delays no other, and the engine never waits on any:
it only appends to the log.

One process per channel: :class:`ChannelLock` is a PostgreSQL advisory lock (several machines)
or a ``flock`` beside the SQLite store.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.notify.channels import (
    Channel,
    Outgoing,
    PermanentChannelError,
    TransientChannelError,
)
from adapters.notify.outbox import mark_sent, pending, start_channel_at
from adapters.scaleout.lease import PartitionLease
from projections.notices import Notice
from projections.readstore import ProjectionStore

Report = Callable[[str], None]


class Deliverer:
    """Sends one channel's pending notices (see the module's docstring)."""

    def __init__(
        self,
        store: ProjectionStore,
        channel: Channel,
        *,
        link: Callable[[str | None], str | None] = lambda _: None,
        retries: int = 5,
        backoff_s: float = 0.5,
        max_backoff_s: float = 60.0,
        report: Report = lambda _: None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.channel = channel
        self.link = link
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.report = report
        self.wall = wall
        self.failures = 0
        self.sent = 0
        self.given_up = 0
        start_channel_at(store, channel.name)

    def backoff(self) -> float:
        """How long to wait before trying again after the failures so far."""
        return min(self.max_backoff_s, self.backoff_s * 2.0 ** max(0, self.failures - 1))

    def deliver(self) -> int:
        """Send what is pending, until done or a transient failure; returns how many went."""
        count = 0
        while True:
            rows = pending(self.store, self.channel.name)
            if not rows:
                return count
            for row in rows:
                notice = Notice.from_json(row["notice"])
                outgoing = Outgoing(notice, bool(row["silent"]), self.link(notice.why_id))
                gave_up: str | None = None
                try:
                    self.channel.send(outgoing)
                except PermanentChannelError as error:
                    gave_up = str(error)
                except TransientChannelError as error:
                    self.failures += 1
                    if self.failures <= self.retries:
                        self.report(f"{self.channel.name}: {error}; trying again")
                        return count
                    gave_up = f"{self.failures} failures in a row, the last: {error}"
                else:
                    self.sent += 1
                    count += 1
                self.failures = 0
                record = None
                if gave_up is not None:
                    self.given_up += 1
                    self.report(f"{self.channel.name}: gave up notice {notice.event_id}: {gave_up}")
                    record = self._given_up(notice, int(row["seq"]), gave_up)
                mark_sent(self.store, self.channel.name, int(row["seq"]), record)

    def _given_up(self, notice: Notice, seq: int, reason: str) -> dict[str, Any]:
        at = datetime.fromtimestamp(self.wall(), UTC).isoformat()
        return {
            "event": "NoticeGivenUp",
            "at": at,
            "channel": self.channel.name,
            "seq": seq,
            "kind": notice.kind,
            "event_id": notice.event_id,
            "reason": reason,
        }

    def run(self, stop: threading.Event, poll_s: float = 0.5) -> None:
        """Deliver until ``stop`` is set, backing off after failures."""
        while not stop.is_set():
            self.deliver()
            stop.wait(self.backoff() if self.failures else poll_s)


class ChannelBusyError(RuntimeError):
    """Another notifier process holds this channel."""


class ChannelLock:
    """The right to deliver to one channel, held until released or the process ends."""

    def __init__(self, kind: str, home: Path, env: Mapping[str, str], channel: str) -> None:
        self.kind = kind
        self.channel = channel
        self._fd: int | None = None
        self._lease: PartitionLease | None = None
        if kind == "postgres":
            self._lease = PartitionLease(env, f"notify/{channel}")
        else:
            home.mkdir(parents=True, exist_ok=True)
            self._path = home / f"notify-{channel}.lock"

    def acquire(self) -> None:
        """Take the lock or raise :class:`ChannelBusyError`."""
        if self._lease is not None:
            if not self._lease.try_acquire():
                raise ChannelBusyError(f"another notifier is delivering to {self.channel}")
            return
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ChannelBusyError(f"another notifier is delivering to {self.channel}") from None
        self._fd = fd

    def release(self) -> None:
        """Let the channel go."""
        if self._lease is not None:
            self._lease.release()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
