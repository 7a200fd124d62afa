"""The ports the engine talks through. Adapters implement them; the engine never imports adapters.

Venue contract (what an adapter must do):

| method          | required | does                                                             |
|-----------------|----------|------------------------------------------------------------------|
| submit          | yes      | send one order; answer with fills, or raise VenueUncertainError  |
|                 |          | (no proof of a no) or VenueRequestDenied (refused before sending)|
| order_status    | yes      | what the venue knows of a client order id (None: never seen)     |
| poll_reports    | yes      | reports that arrived since the last call (fills of resting orders)|
|                 |          | of the accounts asked for (None: all)                            |
| cancel          | yes      | cancel a resting order; its report after (None: never seen)      |
| durable         | yes      | a declared attribute: whether its orders outlive our process     |

``adapters/venue_template/`` shows the minimum; ``tests/venue_contract/`` checks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from engine.values import Book, OrderType, Side


class Clock(Protocol):
    """Where the engine's time comes from: the wall clock live, the input's time in a replay."""

    def now(self) -> datetime:
        """The current time, UTC."""
        ...


@runtime_checkable
class InputClock(Clock, Protocol):
    """A clock that follows a day's inputs: set to an input's time and line (the venue calls
    carry the line, so a venue shows that position of the day, not the whole second)."""

    def set(self, at: datetime, line: int | None = None) -> None:
        """Move to the input at ``at`` on ``line`` (never backwards in time)."""
        ...


@dataclass(frozen=True)
class OrderRequest:
    """An order as a venue adapter receives it: our words, already on the venue's grid."""

    client_order_id: str
    venue: str
    market_id: str
    token_id: str
    side: Side
    order_type: OrderType
    price: Decimal
    size: Decimal
    account: str = ""  # the agent that sends it: its paper account (live venues ignore it)


@dataclass(frozen=True)
class VenueFill:
    """One trade the venue reports for an order."""

    venue_fill_id: str
    price: Decimal
    size: Decimal
    fee: Decimal = Decimal(0)
    provisional: bool = False  # matched but not yet settled (Polymarket MATCHED/MINED/RETRYING)


@dataclass(frozen=True)
class VenueReport:
    """What the venue says about one order: accepted or rejected, fills so far, and whether
    the rest of it is closed (a FAK's remainder, a FOK that could not fill, a cancel)."""

    client_order_id: str
    accepted: bool
    venue_order_id: str | None = None
    reject_code: str = ""
    reject_message: str = ""
    fills: tuple[VenueFill, ...] = ()
    closed: bool = False
    close_reason: str = ""
    voided_fills: tuple[str, ...] = ()  # venue fill ids that failed to settle (Polymarket FAILED)


class VenueUncertainError(Exception):
    """The venue call failed without proving a no (timeout, connection error, 5xx).

    The order may or may not be at the venue: it must be reconciled, never blindly resent.
    """


class VenueRequestDenied(Exception):
    """The adapter refused the order itself, before sending anything (off the venue's tick or
    size grid, say): nothing reached the venue, so the engine records ``Order.OrderDenied``."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class VenuePort(Protocol):
    """One trading venue.

    ``durable`` is declared by every venue: False when it keeps nothing once the engine's
    process is gone (the in-process paper venue). An order to such a venue needs no
    write-ahead commit of its own, since a crash loses the venue's side with the engine's;
    under group commit the engine then commits in batches. Every real venue, and the paper
    venue process, is durable.
    """

    name: str
    durable: bool

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Send an order at the engine's time ``at``. Raises VenueUncertainError when the
        outcome is unknown. (``at`` matters to venues that replay recorded books.)"""
        ...

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """The venue's report of an order we sent, or None if it never received it."""
        ...

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Reports that arrived since the last call (fills of resting orders, cancels), of
        orders of those accounts (None: every account); a worker asks for its own agents'."""
        ...

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Cancel a resting order at the engine's time ``at``; the order's report after it
        (closed when it was canceled; as it was when it had already closed), or None if the
        venue never received it. Raises VenueUncertainError when the outcome is unknown."""
        ...


class MarketData(Protocol):
    """Books, as the venue or the recorded day shows them now."""

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The book of a token at the engine's time ``at``, or None when there is none, as
        ``account`` sees it (a paper account sees the liquidity its own orders took removed;
        live venues ignore it)."""
        ...


@dataclass
class Books:
    """An in-memory MarketData: the latest book of each token (the day runner feeds it)."""

    latest: dict[tuple[str, str], Book] = field(default_factory=dict)

    def update(self, book: Book) -> None:
        """Replace the book of the book's token."""
        self.latest[(book.venue, book.token_id)] = book

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The latest book of a token (the same for every account)."""
        return self.latest.get((venue, token_id))
