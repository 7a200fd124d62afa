"""One order in the paper venue's ledger, and the book arithmetic of matching it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.paper.wire import request_from_json
from engine.intent import format_utc, parse_utc
from engine.ports import OrderRequest, VenueFill, VenueReport
from engine.values import Book, Level, Side, dec_str

CANCELED_ON_REQUEST = "canceled on request"


def venue_order_id(client_order_id: str) -> str:
    """The paper venue's id of an order: its client order id's, whoever sent it and when."""
    return f"paper-{client_order_id}"


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
    at: datetime | None = None  # when the venue took it (its account's time)

    @property
    def filled(self) -> Decimal:
        """Size filled so far."""
        return sum((f.size for f in self.fills), Decimal(0))

    def reject(self, code: str, message: str) -> VenueReport:
        """Refuse the order; returns its report."""
        self.status, self.reject_code, self.reject_message = "REJECTED", code, message
        return self.report()

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
        """The ledger entry as JSON (everything :meth:`from_json` needs to restore it)."""
        req = self.request
        return {
            "client_order_id": req.client_order_id,
            "venue_order_id": self.venue_order_id,
            "account": req.account,
            "market_id": req.market_id,
            "token_id": req.token_id,
            "side": req.side.value,
            "order_type": req.order_type.value,
            "price": dec_str(req.price),
            "size": dec_str(req.size),
            "at": format_utc(self.at) if self.at is not None else None,
            "status": self.status,
            "reject_code": self.reject_code,
            "reject_message": self.reject_message,
            "close_reason": self.close_reason,
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

    @classmethod
    def from_json(cls, venue: str, body: dict[str, Any]) -> PaperOrder:
        """A ledger entry read back (entries written before accounts have account "")."""
        request = request_from_json({**body, "venue": venue})
        return cls(
            request=request,
            venue_order_id=str(body["venue_order_id"]),
            status=str(body["status"]),
            fills=[
                VenueFill(str(f["id"]), Decimal(f["price"]), Decimal(f["size"]), Decimal(f["fee"]))
                for f in body.get("fills", [])
            ],
            reject_code=str(body.get("reject_code", "")),
            reject_message=str(body.get("reject_message", "")),
            close_reason=str(body.get("close_reason", "")),
            at=parse_utc(body["at"]) if body.get("at") else None,
        )


def crossing(book: Book, request: OrderRequest) -> tuple[Level, ...]:
    """The levels of the book an order crosses, best first."""
    if request.side is Side.BUY:
        return tuple(lv for lv in book.asks if lv.price <= request.price)
    return tuple(lv for lv in book.bids if lv.price >= request.price)


def consumed(book: Book, side: Side, taken: list[Decimal]) -> Book:
    """The book after ``taken`` sizes were taken from the first levels of the side."""

    # The levels crossed are the first ones of the side (best first): take from each in turn.
    def after(levels: tuple[Level, ...]) -> tuple[Level, ...]:
        kept = (
            Level(lv.price, lv.size - (taken[i] if i < len(taken) else Decimal(0)))
            for i, lv in enumerate(levels)
        )
        return tuple(lv for lv in kept if lv.size > 0)

    if side is Side.BUY:
        return replace(book, asks=after(book.asks))
    return replace(book, bids=after(book.bids))
