"""A deterministic paper venue, where every account (agent) trades on its own.

An order belongs to the account it names (``OrderRequest.account``: the agent that sends it;
``""`` for callers that name none). Every account trades against the same recorded books, but
alone: it sees each token's latest book (the latest ``book`` record) with the liquidity its
own earlier orders took removed, until the next book record of that token replaces the book
for every account; another account's orders never touch it. An account first seen later
starts from the current books. So what an agent's orders get depends only on the day and on
that agent's own orders, not on which other agents trade, in which process, or how their
requests interleave.

Matching walks the crossing levels best first. FOK fills all or nothing (a FOK that cannot
fill is rejected, as Polymarket does), FAK takes what is there and cancels the rest, GTC rests
the rest in its account and is matched again when a new book of its token arrives; what it
gets then goes to its account's report queue. Orders are kept in one ledger by client order
id (client order ids are unique across accounts): a resubmitted client order id is answered
from the ledger, never filled twice. The venue order id (``paper-<client order id>``) and the
fill ids (``<client order id>:<n>``) derive from the client order id alone, never from the
order in which orders arrived.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.paper.order import (
    CANCELED_ON_REQUEST,
    PaperOrder,
    consumed,
    crossing,
    venue_order_id,
)
from adapters.venues.named import RegisteredVenues
from adapters.venues.registry import venue_spec
from adapters.venues.spec import PROPORTIONAL, FeeModel
from engine.grid import on_grid
from engine.ports import OrderRequest, VenueFill, VenueReport
from engine.values import Book, OrderType, dec_str


class PaperVenue:
    """A venue that fills against recorded books, deterministically, one account per agent."""

    durable = False
    """It lives and dies with the engine's process (see ``engine.ports.VenuePort``)."""

    def __init__(
        self,
        name: str,
        *,
        fee_rate: Decimal = Decimal(0),
        keep_closed: int | None = None,
        fee_model: FeeModel = PROPORTIONAL,
    ) -> None:
        self.name = name
        self.fee_rate = fee_rate
        self.fee_model = fee_model  # the venue's fee model, charged at fee_rate
        self.books: dict[str, Book] = {}  # token -> its latest recorded book
        self.ledger: dict[str, PaperOrder] = {}
        # keep_closed: how many closed orders the ledger keeps (None: all). The engine asks a
        # venue again only about orders it holds open, and an in-process venue ends with the
        # engine, so the most recent closed orders are all it can be asked about.
        self.keep_closed = keep_closed
        self._closed: dict[str, None] = {}  # closed client order ids, oldest first
        # token -> account -> the token's book after what that account's orders took from it
        self._taken: dict[str, dict[str, Book]] = {}
        # token -> open GTC orders of every account, in arrival order
        self._resting: dict[str, dict[str, PaperOrder]] = {}
        self._reports: list[tuple[str, VenueReport]] = []  # (account, report), as they came

    # -- market data ------------------------------------------------------------------------

    def on_book(self, book: Book) -> None:
        """A new book replaces the token's book for every account (what each took is back);
        resting orders are matched against it, each in its own account."""
        self.books[book.token_id] = book
        self._taken.pop(book.token_id, None)
        resting = self._resting.get(book.token_id)
        if not resting:
            return
        for client_order_id, order in list(resting.items()):
            if self._match(order):
                self._reports.append((order.request.account, order.report()))
            if order.status != "OPEN":
                del resting[client_order_id]
                self._note_closed(client_order_id)

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The current book as ``account`` sees it: the liquidity its own earlier orders
        took removed (MarketData port)."""
        return self._view(token_id, account) if venue == self.name else None

    def resting_tokens(self) -> list[str]:
        """The tokens that have open GTC orders."""
        return [token for token, orders in self._resting.items() if orders]

    # -- venue port -------------------------------------------------------------------------

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Match an order now, in its account; a known client order id is answered from the
        ledger."""
        known = self.ledger.get(request.client_order_id)
        if known is not None:
            return known.report()
        report = self._submit(request, at)
        if report.closed:
            self._note_closed(request.client_order_id)
        return report

    def _submit(self, request: OrderRequest, at: datetime | None) -> VenueReport:
        order = PaperOrder(request, venue_order_id(request.client_order_id), "OPEN", at=at)
        self.ledger[request.client_order_id] = order
        book = self._view(request.token_id, request.account)
        if book is None:
            return order.reject("MARKET_NOT_FOUND", f"no book for token {request.token_id}")
        problem = self._validate(request, book)
        if problem is not None:
            return order.reject(*problem)
        if request.order_type is OrderType.FOK:
            fillable = sum((lv.size for lv in crossing(book, request)), Decimal(0))
            if fillable < request.size:
                return order.reject(
                    "FOK_NOT_FILLED",
                    f"FOK order could not be fully filled: {dec_str(fillable)} of "
                    f"{dec_str(request.size)} available at {dec_str(request.price)} or better",
                )
        self._match(order)
        if order.status == "OPEN" and request.order_type is not OrderType.GTC:
            order.status, order.close_reason = "CANCELED", "FAK remainder canceled"
        if order.status == "OPEN":
            self._resting.setdefault(request.token_id, {})[request.client_order_id] = order
        return order.report()

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """What the ledger holds for a client order id."""
        order = self.ledger.get(client_order_id)
        return order.report() if order is not None else None

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Reports of resting orders that traded since the last call, of the accounts asked
        for (None: every account); the other accounts' reports wait for their own call."""
        if accounts is None:
            taken, self._reports = self._reports, []
        else:
            taken = [entry for entry in self._reports if entry[0] in accounts]
            self._reports = [entry for entry in self._reports if entry[0] not in accounts]
        return [report for _, report in taken]

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Cancel a resting order; its report (None: never seen)."""
        order = self.ledger.get(client_order_id)
        if order is None:
            return None
        if order.status == "OPEN":
            order.status, order.close_reason = "CANCELED", CANCELED_ON_REQUEST
            self._resting.get(order.request.token_id, {}).pop(client_order_id, None)
            self._note_closed(client_order_id)
        return order.report()

    def _note_closed(self, client_order_id: str) -> None:
        if self.keep_closed is None:
            return
        self._closed[client_order_id] = None
        while len(self._closed) > self.keep_closed:
            oldest = next(iter(self._closed))
            del self._closed[oldest]
            self.ledger.pop(oldest, None)

    def restore(self, order: PaperOrder) -> None:
        """Put an order read back from a durable ledger into the ledger as it was, so it is
        answered as before; it is not matched again, even if it was open."""
        self.ledger[order.request.client_order_id] = order

    # -- matching ---------------------------------------------------------------------------

    def _view(self, token_id: str, account: str) -> Book | None:
        taken = self._taken.get(token_id)
        if taken is not None:
            book = taken.get(account)
            if book is not None:
                return book
        return self.books.get(token_id)

    @staticmethod
    def _validate(request: OrderRequest, book: Book) -> tuple[str, str] | None:
        if not on_grid(request.price, book.tick_size) or not 0 < request.price < 1:
            return "INVALID_PRICE", (
                f"price {dec_str(request.price)} is not on the tick {dec_str(book.tick_size)}"
            )
        if request.size < book.min_size:
            return "ORDER_SIZE_BELOW_MIN", (
                f"size {dec_str(request.size)} is below the minimum {dec_str(book.min_size)}"
            )
        if not on_grid(request.size, book.size_step):
            return "INVALID_SIZE", (
                f"size {dec_str(request.size)} is not on the step {dec_str(book.size_step)}"
            )
        return None

    def _match(self, order: PaperOrder) -> bool:
        """Fill what the account's book offers within the limit; returns whether anything
        traded."""
        request = order.request
        book = self._view(request.token_id, request.account)
        if book is None:
            return False
        left = request.size - order.filled
        taken: list[Decimal] = []  # size taken from each level, best first
        for level in crossing(book, request):
            if left <= 0:
                break
            size = min(left, level.size)
            fee = self.fee_model.fee(level.price, size, self.fee_rate, token_id=request.token_id)
            fill_id = f"{request.client_order_id}:{len(order.fills) + 1}"
            order.fills.append(VenueFill(fill_id, level.price, size, fee))
            taken.append(size)
            left -= size
        if not taken:
            return False
        after = consumed(book, request.side, taken)
        self._taken.setdefault(request.token_id, {})[request.account] = after
        if left <= 0:
            order.status = "FILLED"
        return True

    def ledger_json(self) -> list[dict[str, Any]]:
        """The whole ledger, in the order orders arrived."""
        return [order.to_json() for order in self.ledger.values()]


class PaperVenues(RegisteredVenues[PaperVenue]):
    """Paper venues by name, made on first use for every registered venue (an unknown name is
    an UnknownVenueError); each charges its venue's fee model at the configured rate."""

    def __init__(self, *, fee_rate: Decimal = Decimal(0), keep_closed: int | None = None) -> None:
        super().__init__()
        self.fee_rate = fee_rate
        self.keep_closed = keep_closed

    def make(self, name: str) -> PaperVenue:
        """A new paper venue for a registered venue."""
        return PaperVenue(
            name,
            fee_rate=self.fee_rate,
            keep_closed=self.keep_closed,
            fee_model=venue_spec(name).fee_model,
        )

    def on_book(self, book: Book) -> None:
        """A new book for the venue it belongs to (every account sees it)."""
        self[book.venue].on_book(book)

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The current book of a token on a paper venue, as the account sees it (MarketData
        port; None on a venue that is not registered)."""
        if not self.knows(venue):
            return None
        return self[venue].book(venue, token_id, account=account)
