"""The paper venue's JSON wire format, shared by its server and its client.

An order carries its ``account`` (the agent; absent means ``""``, as older clients send);
``GET /book`` and ``GET /reports`` name it in the query (``account=``, repeated on reports).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from engine.ports import OrderRequest, VenueFill, VenueReport
from engine.values import Book, OrderType, Side, dec_str


def request_to_json(request: OrderRequest, *, at: str) -> dict[str, Any]:
    """An order as the client posts it."""
    return {
        "client_order_id": request.client_order_id,
        "venue": request.venue,
        "market_id": request.market_id,
        "token_id": request.token_id,
        "side": request.side.value,
        "order_type": request.order_type.value,
        "price": dec_str(request.price),
        "size": dec_str(request.size),
        "account": request.account,
        "at": at,
    }


def request_from_json(body: dict[str, Any]) -> OrderRequest:
    """An order as the server reads it."""
    return OrderRequest(
        client_order_id=str(body["client_order_id"]),
        venue=str(body["venue"]),
        market_id=str(body.get("market_id", "")),
        token_id=str(body["token_id"]),
        side=Side(body["side"]),
        order_type=OrderType(body["order_type"]),
        price=Decimal(str(body["price"])),
        size=Decimal(str(body["size"])),
        account=str(body.get("account") or ""),
    )


def report_to_json(report: VenueReport) -> dict[str, Any]:
    """A report as the server answers it."""
    return {
        "client_order_id": report.client_order_id,
        "accepted": report.accepted,
        "venue_order_id": report.venue_order_id,
        "reject_code": report.reject_code,
        "reject_message": report.reject_message,
        "fills": [
            {
                "id": f.venue_fill_id,
                "price": dec_str(f.price),
                "size": dec_str(f.size),
                "fee": dec_str(f.fee),
            }
            for f in report.fills
        ],
        "closed": report.closed,
        "close_reason": report.close_reason,
    }


def report_from_json(body: dict[str, Any]) -> VenueReport:
    """A report as the client reads it."""
    return VenueReport(
        client_order_id=str(body["client_order_id"]),
        accepted=bool(body["accepted"]),
        venue_order_id=body.get("venue_order_id"),
        reject_code=str(body.get("reject_code", "")),
        reject_message=str(body.get("reject_message", "")),
        fills=tuple(
            VenueFill(str(f["id"]), Decimal(f["price"]), Decimal(f["size"]), Decimal(f["fee"]))
            for f in body.get("fills", [])
        ),
        closed=bool(body.get("closed", False)),
        close_reason=str(body.get("close_reason", "")),
    )


def book_to_json(book: Book) -> dict[str, Any]:
    """A book on the wire (the record form, plus its market)."""
    return {**book.to_record(), "market_id": book.market_id}


def book_from_json(body: dict[str, Any]) -> Book:
    """A book read from the wire."""
    return replace(Book.from_record(body), market_id=str(body.get("market_id", "")))
