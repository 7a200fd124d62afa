"""Polymarket's checks before an order is sent: market, grid, signature, journal.

An order that fails here never reaches the venue: it is our refusal, not the venue's, so it is
raised as the engine's ``VenueRequestDenied`` (recorded as ``Order.OrderDenied``) with the code
the venue would have used (``INVALID_PRICE``, ``INVALID_SIZE``, ``MARKET_CLOSED``, ...).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from adapters.polymarket.amounts import GridError, order_amounts
from adapters.polymarket.exchange import ExchangeClient, ExchangeError, SignedOrder, UnsignedOrder
from adapters.polymarket.journal import JournalEntry, OrderJournal
from adapters.polymarket.market_data import PolymarketMarketData
from engine.ports import OrderRequest, VenueReport, VenueRequestDenied
from engine.values import Side, dec_str


def salt_of(client_order_id: str) -> int:
    """The order salt derived from the client order id (48 bits: exact as a JSON number)."""
    return int.from_bytes(hashlib.sha256(client_order_id.encode()).digest()[:6], "big")


def sign(exchange: ExchangeClient, entry: JournalEntry) -> SignedOrder:
    """Sign a journaled order again (the same salt and timestamp: the same hash)."""
    return exchange.sign_order(
        UnsignedOrder(
            token_id=entry.token_id,
            side=Side(entry.side),
            maker_amount=entry.maker_amount,
            taker_amount=entry.taker_amount,
            neg_risk=entry.neg_risk,
            salt=entry.salt,
            timestamp_ms=entry.timestamp_ms,
        )
    )


def prepare(
    request: OrderRequest,
    *,
    market_data: PolymarketMarketData,
    exchange: ExchangeClient,
    journal: OrderJournal,
    timestamp_ms: int,
) -> tuple[JournalEntry, SignedOrder]:
    """Check, size, sign and journal an order; raises VenueRequestDenied for our own no."""
    cid = request.client_order_id
    try:
        params = market_data.order_params(request.token_id)
    except ExchangeError as error:
        raise VenueRequestDenied("MARKET_DATA_UNAVAILABLE", f"order not sent: {error}") from None
    if params is None:
        raise VenueRequestDenied(
            "MARKET_NOT_FOUND", f"no Polymarket market holds token {request.token_id}"
        )
    if params.closed_reason:
        raise VenueRequestDenied("MARKET_CLOSED", params.closed_reason)
    try:
        amounts = order_amounts(
            request.side,
            request.order_type,
            request.price,
            request.size,
            tick=params.tick_size,
        )
    except GridError as error:
        raise VenueRequestDenied(error.code, error.message) from None
    entry = JournalEntry(
        client_order_id=cid,
        order_hash="",
        token_id=request.token_id,
        market_id=request.market_id or params.market_id,
        side=request.side.value,
        order_type=request.order_type.value,
        price=dec_str(request.price),
        size=dec_str(request.size),
        neg_risk=params.neg_risk,
        maker_amount=amounts.maker_amount,
        taker_amount=amounts.taker_amount,
        salt=salt_of(cid),
        timestamp_ms=timestamp_ms,
    )
    try:
        signed = sign(exchange, entry)
    except (ExchangeError, ValueError) as error:
        raise VenueRequestDenied("SIGNING_FAILED", f"order not sent: {error}") from None
    entry = replace(entry, order_hash=signed.order_hash)
    try:
        journal.record(entry)  # written down before the venue hears of it
    except OSError as error:
        raise VenueRequestDenied(
            "JOURNAL_UNWRITABLE",
            f"order not sent: cannot write the order journal: {error.strerror}",
        ) from None
    return entry, signed


def rejected(request_id: str, code: str, message: str) -> VenueReport:
    """The report of an order the venue (or our preflight) refused."""
    return VenueReport(
        client_order_id=request_id,
        accepted=False,
        reject_code=code,
        reject_message=message,
        closed=True,
    )
