"""Commands of an intent's orders: deciding it, executing its orders and applying venue answers,
reconciliation and recovery."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from engine.command import Command, Recovery
from engine.intent import TradeIntent
from engine.ports import VenueReport

# -- deciding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecideIntent(Command[list[UUID]]):
    """Give a received intent its verdict; answers the orders written ahead."""

    intent: TradeIntent


@dataclass(frozen=True)
class DecidePending(Command[list[UUID]]):
    """Decide an intent received without a verdict (after a restart), by its intent id."""

    intent_id: str


# -- execution and venue answers -----------------------------------------------------------


@dataclass(frozen=True)
class ExecuteOrder(Command[None]):
    """Send a written-ahead order to its venue and record the answer."""

    order_id: UUID


@dataclass(frozen=True)
class DenyOrder(Command[None]):
    """Refuse to send an order (no adapter for its venue, or the adapter refused it before
    sending): ``Order.OrderDenied``, and its commitment is released."""

    order_id: UUID
    reason: str
    detail: str


@dataclass(frozen=True)
class RecordUncertain(Command[None]):
    """Record a venue call whose outcome is unknown (timeout, connection error, 5xx)."""

    order_id: UUID
    error: str


@dataclass(frozen=True)
class ApplyVenueReport(Command[None]):
    """Record what a venue says of an order: acceptance or rejection, fills, closure."""

    report: VenueReport


@dataclass(frozen=True)
class PollVenue(Command[int]):
    """Apply the reports a venue has for us (of ``accounts`` only, when given)."""

    venue: str
    accounts: frozenset[str] | None = None


# -- reconciliation and recovery -----------------------------------------------------------


@dataclass(frozen=True)
class ReconcileOrder(Command[str]):
    """Ask an order's venue what it knows and act on it; answers what was done."""

    order_id: UUID


@dataclass(frozen=True)
class ReconcileOpenOrders(Command[dict[str, int]]):
    """Reconcile every order not yet terminal; answers action -> orders."""


@dataclass(frozen=True)
class ExpireOrder(Command[None]):
    """End an order that will not trade further, and free what it had committed."""

    order_id: UUID
    reason: str


@dataclass(frozen=True)
class Recover(Command[Recovery]):
    """Finish what a crash left: reconcile open orders, decide undecided intents."""
