"""The monitor's persisted state: per trader a watermark, the ids already handled, the holdings;
and the intents written ahead of their delivery.

One JSON file (``state.json``) in the state folder, replaced atomically (temporary file, fsync,
rename, folder fsync) so that a kill at any moment leaves the previous or the next state whole.
A lock file in the same folder keeps a second monitor off the same state.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.intent_tail import write_atomically
from engine.values import dec_str

STATE_SCHEMA = "tape.monitor-state/1"
STATE_FILE = "state.json"
LOCK_FILE = "monitor.lock"


class StateError(RuntimeError):
    """The state folder cannot be used (unreadable state, or another monitor holds it)."""


@dataclass(frozen=True)
class Handled:
    """What the monitor emitted of one trader order: when it traded, how many shares were
    copied so far, in how many late parts, and what they were worth (price x size)."""

    time: int
    size: Decimal
    parts: int = 0
    notional: Decimal | None = None

    def to_json(self) -> list[Any]:
        """``[time, size, parts, notional]`` (notional null when unknown)."""
        notional = None if self.notional is None else dec_str(self.notional)
        return [self.time, dec_str(self.size), self.parts, notional]

    @classmethod
    def from_json(cls, data: list[Any]) -> Handled:
        """Read it back; a state written before late parts holds ``[time, size]``."""
        time, size, *rest = data
        parts = int(rest[0]) if rest else 0
        notional = Decimal(rest[1]) if len(rest) > 1 and rest[1] is not None else None
        return cls(int(time), Decimal(size), parts, notional)


@dataclass
class TraderState:
    """What the monitor knows of one followed wallet.

    ``floor``: no trade older than this (unix seconds) is emitted. ``seeded_at``: when the
    holdings were read from ``/positions``; trades at or before it are already in them.
    ``watermark``: the newest trade time seen. ``handled``: intent id -> ``Handled`` (trade time,
    shares copied, late parts emitted, their worth), for every trade emitted (or skipped as
    unusable) that the next poll window can still return.
    ``holdings``: the running record of the trader's holding per token.
    """

    floor: int
    seeded_at: int
    watermark: int | None = None
    holdings: dict[str, Decimal] = field(default_factory=dict)
    handled: dict[str, Handled] = field(default_factory=dict)

    def window_start(self, overlap_s: int) -> int:
        """The oldest trade time the next poll asks for: the watermark less the overlap."""
        if self.watermark is None:
            return self.floor
        return max(self.floor, self.watermark - overlap_s)

    def prune(self, overlap_s: int) -> None:
        """Forget handled ids the next window cannot return (older than it by a whole overlap)."""
        keep_from = self.window_start(overlap_s) - overlap_s
        self.handled = {k: v for k, v in self.handled.items() if v.time >= keep_from}

    def to_json(self) -> dict[str, Any]:
        """The JSON object persisted for it."""
        return {
            "floor": self.floor,
            "seeded_at": self.seeded_at,
            "watermark": self.watermark,
            "holdings": {k: dec_str(v) for k, v in sorted(self.holdings.items())},
            "handled": {k: v.to_json() for k, v in sorted(self.handled.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TraderState:
        """Read it back."""
        return cls(
            floor=int(data["floor"]),
            seeded_at=int(data["seeded_at"]),
            watermark=None if data.get("watermark") is None else int(data["watermark"]),
            holdings={k: Decimal(v) for k, v in data.get("holdings", {}).items()},
            handled={k: Handled.from_json(v) for k, v in data.get("handled", {}).items()},
        )


@dataclass
class MonitorState:
    """Everything the monitor persists."""

    traders: dict[str, TraderState] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    output: dict[str, Any] = field(default_factory=dict)
    chain: dict[str, Any] = field(default_factory=dict)  # the chain source's position

    def to_json(self) -> dict[str, Any]:
        """The JSON document persisted."""
        document = {
            "schema": STATE_SCHEMA,
            "traders": {k: v.to_json() for k, v in sorted(self.traders.items())},
            "pending": self.pending,
            "output": self.output,
        }
        if self.chain:
            document["chain"] = self.chain
        return document

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MonitorState:
        """Read it back."""
        if data.get("schema") != STATE_SCHEMA:
            raise StateError(f"not a {STATE_SCHEMA} document")
        return cls(
            traders={k: TraderState.from_json(v) for k, v in data.get("traders", {}).items()},
            pending=list(data.get("pending", [])),
            output=dict(data.get("output", {})),
            chain=dict(data.get("chain", {})),
        )


class StateStore:
    """The state folder: ``state.json`` and the single-instance lock."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / STATE_FILE
        self._lock_fd: int | None = None

    def lock(self) -> None:
        """Take the folder for this process; StateError if another monitor has it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StateError(f"{self.folder}: another tape monitor is using this state") from None
        self._lock_fd = fd

    def unlock(self) -> None:
        """Release the folder (the kernel does it too when the process dies)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def load(self) -> MonitorState:
        """The persisted state, or an empty one on the first start."""
        if not self.path.is_file():
            return MonitorState()
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return MonitorState.from_json(data)
        except (ValueError, KeyError, TypeError, AttributeError, StateError) as error:
            raise StateError(f"{self.path}: unreadable monitor state ({error})") from None

    def save(self, state: MonitorState) -> None:
        """Replace the state file atomically."""
        text = json.dumps(state.to_json(), sort_keys=True, separators=(",", ":")) + "\n"
        write_atomically(self.path, text.encode("utf-8"))
