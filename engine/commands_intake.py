"""Commands that take inputs in: an intent submitted or received, an unreadable input."""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.persistence import Tracking

from engine.command import Command, Receipt
from engine.intent import TradeIntent


@dataclass(frozen=True)
class SubmitIntent(Command[Receipt]):
    """Take an intent in and, if new, decide it (one step, with ``tracking``), then send its
    orders."""

    intent: TradeIntent
    feed: str
    line_no: int = 0
    tracking: Tracking | None = None


@dataclass(frozen=True)
class ReceiveIntent(Command[Receipt]):
    """Record an intent durably (a known intent id is recorded as redelivered)."""

    intent: TradeIntent
    feed: str
    line_no: int = 0


@dataclass(frozen=True)
class RecordUnreadableInput(Command[None]):
    """Record an input record that could not be read (``Feed.InputDenied``)."""

    feed: str
    line_no: int
    reason: str
    digest: str
