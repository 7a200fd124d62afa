"""A deterministic paper venue.

It matches a marketable order against the current book of its token (the latest ``book``
record), walking levels best first, and consumes the liquidity it took until the next book
record of that token replaces the book. FOK fills all or nothing (a FOK that cannot fill is
rejected, as Polymarket does), FAK takes what is there and cancels the rest, GTC rests the
rest and is matched again when a new book arrives. Orders are kept in a ledger by client order
id: a resubmitted client order id is answered from the ledger, never filled twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.grid import on_grid
from engine.ports import OrderRequest, VenueFill, VenueReport
from engine.values import Book, Level, OrderType, Side, dec_str


@dataclass
class PaperOrder:
    """One order in the paper venue's ledger."""

    request: OrderRequest
    venue_order_id: str
    status: str  # OPEN, FILLED, CANCELED, REJECTED
    fills: list[VenueFill] = field(default_factory=list)
    reject_code: str = ""
    reject_message: str = ""
    close_reason: str = ""

    @property
    def filled(self) -> Decimal:
        """Size filled so far."""
        return sum((f.size for f in self.fills), Decimal(0))

    def report(self) -> VenueReport:
        """The order as the venue reports it."""
        return VenueReport(
            client_order_id=self.request.client_order_id,
            accepted=self.status != "REJECTED",
            venue_order_id=self.venue_order_id if self.status != "REJECTED" else None,
            reject_code=self.reject_code,
            reject_message=self.reject_message,
            fills=tuple(self.fills),
            closed=self.status in ("FILLED", "CANCELED", "REJECTED"),
            close_reason=self.close_reason,
        )

    def to_json(self) -> dict[str, Any]:
        """The ledger entry as JSON."""
        req = self.request
        return {
            "client_order_id": req.client_order_id,
            "venue_order_id": self.venue_order_id,
            "token_id": req.token_id,
            "side": req.side.value,
            "order_type": req.order_type.value,
            "price": dec_str(req.price),
            "size": dec_str(req.size),
            "status": self.status,
            "reject_code": self.reject_code,
            "fills": [
                {
                    "id": f.venue_fill_id,
                    "price": dec_str(f.price),
                    "size": dec_str(f.size),
                    "fee": dec_str(f.fee),
                }
                for f in self.fills
            ],
        }


class PaperVenue:
    """A venue that fills against recorded books, deterministically."""

    def __init__(self, name: str, *, fee_rate: Decimal = Decimal(0)) -> None:
        self.name = name
        self.fee_rate = fee_rate
        self.books: dict[str, Book] = {}
        self.ledger: dict[str, PaperOrder] = {}
        self._resting: dict[str, dict[str, PaperOrder]] = {}  # token -> open GTC orders
        self._reports: list[VenueReport] = []

    # -- market data ------------------------------------------------------------------------

    def on_book(self, book: Book) -> None:
        """A new book replaces the token's book; resting orders are matched against it."""
        self.books[book.token_id] = book
        resting = self._resting.get(book.token_id, {})
        for client_order_id, order in list(resting.items()):
            if self._match(order):
                self._reports.append(order.report())
            if order.status != "OPEN":
                del resting[client_order_id]

    def book(self, venue: str, token_id: str, *, at: datetime | None = None) -> Book | None:
        """The current book, liquidity taken by earlier orders removed (MarketData port)."""
        return self.books.get(token_id) if venue == self.name else None

    # -- venue port -------------------------------------------------------------------------

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Match an order now; a known client order id is answered from the ledger."""
        known = self.ledger.get(request.client_order_id)
        if known is not None:
            return known.report()
        order = PaperOrder(request, f"paper-{len(self.ledger) + 1}", "OPEN")
        self.ledger[request.client_order_id] = order
        problem = self._validate(request)
        if problem is not None:
            order.status, order.reject_code, order.reject_message = "REJECTED", *problem
            return order.report()
        if request.order_type is OrderType.FOK:
            fillable = self._fillable(request)
            if fillable < request.size:
                order.status = "REJECTED"
                order.reject_code = "FOK_NOT_FILLED"
                order.reject_message = (
                    f"FOK order could not be fully filled: {dec_str(fillable)} of "
                    f"{dec_str(request.size)} available at {dec_str(request.price)} or better"
                )
                return order.report()
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

    def poll_reports(self, *, at: datetime | None = None) -> list[VenueReport]:
        """Reports of resting orders that traded since the last call."""
        reports, self._reports = self._reports, []
        return reports

    def cancel(self, client_order_id: str) -> VenueReport | None:
        """Cancel a resting order."""
        order = self.ledger.get(client_order_id)
        if order is None:
            return None
        if order.status == "OPEN":
            order.status, order.close_reason = "CANCELED", "canceled on request"
            self._resting.get(order.request.token_id, {}).pop(client_order_id, None)
        return order.report()

    # -- matching ---------------------------------------------------------------------------

    def _validate(self, request: OrderRequest) -> tuple[str, str] | None:
        book = self.books.get(request.token_id)
        if book is None:
            return "MARKET_NOT_FOUND", f"no book for token {request.token_id}"
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

    def _crossing_levels(self, request: OrderRequest) -> tuple[Level, ...]:
        book = self.books[request.token_id]
        if request.side is Side.BUY:
            return tuple(lv for lv in book.asks if lv.price <= request.price)
        return tuple(lv for lv in book.bids if lv.price >= request.price)

    def _fillable(self, request: OrderRequest) -> Decimal:
        return sum((lv.size for lv in self._crossing_levels(request)), Decimal(0))

    def _match(self, order: PaperOrder) -> bool:
        """Fill what the book offers within the limit; returns whether anything traded."""
        request = order.request
        book = self.books.get(request.token_id)
        if book is None:
            return False
        left = request.size - order.filled
        taken: list[Decimal] = []  # size taken from each level, best first
        for level in self._crossing_levels(request):
            if left <= 0:
                break
            size = min(left, level.size)
            fee = (level.price * size * self.fee_rate).quantize(Decimal("0.000001"))
            fill_id = f"{request.client_order_id}:{len(order.fills) + 1}"
            order.fills.append(VenueFill(fill_id, level.price, size, fee))
            taken.append(size)
            left -= size
        if not taken:
            return False
        self._consume(book, request.side, taken)
        if left <= 0:
            order.status = "FILLED"
        return True

    def _consume(self, book: Book, side: Side, taken: list[Decimal]) -> None:
        # The levels crossed are the first ones of the side (best first): take from each in turn.
        def after(levels: tuple[Level, ...]) -> tuple[Level, ...]:
            kept = (
                Level(lv.price, lv.size - (taken[i] if i < len(taken) else Decimal(0)))
                for i, lv in enumerate(levels)
            )
            return tuple(lv for lv in kept if lv.size > 0)

        if side is Side.BUY:
            book = replace(book, asks=after(book.asks))
        else:
            book = replace(book, bids=after(book.bids))
        self.books[book.token_id] = book

    def ledger_json(self) -> list[dict[str, Any]]:
        """The whole ledger, in the order orders arrived."""
        return [order.to_json() for order in self.ledger.values()]


class PaperVenues(dict[str, PaperVenue]):
    """Paper venues by name, made on first use: every venue is paper until it has credentials."""

    def __init__(self, *, fee_rate: Decimal = Decimal(0)) -> None:
        super().__init__()
        self.fee_rate = fee_rate

    def __missing__(self, name: str) -> PaperVenue:
        venue = PaperVenue(name, fee_rate=self.fee_rate)
        self[name] = venue
        return venue

    def get(self, name: str, default: Any = None) -> PaperVenue:
        """The paper venue of that name, made if needed."""
        return self[name]

    def on_book(self, book: Book) -> None:
        """A new book for the venue it belongs to."""
        self[book.venue].on_book(book)

    def book(self, venue: str, token_id: str, *, at: datetime | None = None) -> Book | None:
        """The current book of a token on a paper venue (MarketData port)."""
        return self[venue].book(venue, token_id)
