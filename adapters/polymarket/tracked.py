"""What the Polymarket adapter knows of each order it sent, and how that is read back from
the venue (its order by hash, its trades by token)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from adapters.polymarket.exchange import ExchangeClient, ExchangeError, ExchangeHTTPError
from adapters.polymarket.journal import JournalEntry
from adapters.polymarket.parsers import (
    OpenOrderState,
    ParseError,
    TradeFill,
    dec,
    fills_of_trade,
    parse_open_order,
)
from engine.ports import VenueFill, VenueReport
from engine.values import OrderType, Side, dec_str

log = logging.getLogger(__name__)

TRADE_LOOKBACK_S = 120  # trades are asked for from this long before the order was signed


@dataclass
class TrackedOrder:
    """What the adapter knows of one order it sent."""

    entry: JournalEntry
    accepted: bool = False
    venue_order_id: str = ""
    venue_status: str = ""  # live, matched, delayed, unmatched / LIVE, MATCHED, CANCELED...
    matched_shares: Decimal | None = None  # what the venue said was matched, when it said
    canceled: bool = False
    fills: dict[str, TradeFill] = field(default_factory=dict)
    last_report: VenueReport | None = None

    @property
    def order_type(self) -> OrderType:
        """GTC, FOK or FAK."""
        return OrderType(self.entry.order_type)

    @property
    def size(self) -> Decimal:
        """Ordered shares."""
        return Decimal(self.entry.size)

    def filled(self) -> Decimal:
        """Shares filled by trades that did not fail."""
        return sum((f.size for f in self.fills.values() if not f.failed), Decimal(0))

    def settled(self) -> bool:
        """No fill is still provisional."""
        return all(not f.provisional or f.failed for f in self.fills.values())

    def closure(self) -> tuple[bool, str]:
        """Whether the order can trade no more, and why; never before its fills are known."""
        filled = self.filled()
        seen = sum((f.size for f in self.fills.values()), Decimal(0))  # failed ones too
        fills_known = self.matched_shares is None or seen >= self.matched_shares
        status = self.venue_status.upper()
        done_statuses = {"MATCHED", "UNMATCHED", "CANCELED", "EXPIRED", "CANCELED_MARKET_RESOLVED"}
        if filled >= self.size:
            closed, reason = True, "filled"
        elif self.canceled:
            closed, reason = fills_known, "canceled"
        elif self.order_type is not OrderType.GTC:
            closed = status in done_statuses and fills_known
            unfilled = dec_str(self.size - filled)
            reason = f"{self.order_type.value} remainder canceled ({unfilled} unfilled)"
        elif status == "MATCHED":
            closed, reason = fills_known, "matched"
        else:
            closed = status in done_statuses and fills_known
            reason = f"canceled at the venue ({status.lower()})"
        return closed, reason if closed else ""

    def report(self) -> VenueReport:
        """The order's whole state as a VenueReport."""
        closed, reason = self.closure()
        fills = tuple(
            VenueFill(f.fill_id, f.price, f.size, f.fee, provisional=f.provisional)
            for f in self.fills.values()
            if not f.failed
        )
        voided = tuple(f.fill_id for f in self.fills.values() if f.failed)
        return VenueReport(
            client_order_id=self.entry.client_order_id,
            accepted=True,
            venue_order_id=self.venue_order_id or self.entry.order_hash,
            fills=fills,
            closed=closed,
            close_reason=reason if closed else "",
            voided_fills=voided,
        )


def refresh_fills(exchange: ExchangeClient, orders: list[TrackedOrder], *, units: str) -> None:
    """Read the trades of the orders' tokens and update their fills (one call per token)."""
    by_token: dict[str, list[TrackedOrder]] = {}
    for order in orders:
        by_token.setdefault(order.entry.token_id, []).append(order)
    for token, group in sorted(by_token.items()):
        after = min(o.entry.timestamp_ms for o in group) // 1000 - TRADE_LOOKBACK_S
        trades = exchange.get_trades(asset_id=token, after=max(after, 0))
        for order in group:
            for trade in trades:
                try:
                    found = fills_of_trade(trade, order.entry.order_hash, units=units)
                except ParseError as error:
                    log.warning("polymarket trade skipped: %s", error)
                    continue
                for fill in found:
                    order.fills[fill.fill_id] = fill
                    order.accepted = True


def apply_order_state(order: TrackedOrder, state: OpenOrderState) -> None:
    """What the venue says of the order (status, matched size, canceled)."""
    order.accepted = True
    order.venue_order_id = order.venue_order_id or state.order_hash
    order.venue_status = state.status
    order.matched_shares = state.size_matched
    if state.status.startswith("CANCELED"):
        order.canceled = True


def lookup(exchange: ExchangeClient, order: TrackedOrder, *, units: str) -> OpenOrderState | None:
    """The venue's order by its hash (None: it has no such order)."""
    try:
        raw = exchange.get_order(order.entry.order_hash)
    except ExchangeHTTPError as error:
        if error.status in (400, 404):
            return None
        raise
    if raw is None:
        return None
    try:
        return parse_open_order(raw, units=units)
    except ParseError as error:
        raise ExchangeError(f"GET /data/order: {error}") from None


def matched_shares(entry: JournalEntry, answer: dict[str, object]) -> Decimal | None:
    """Shares the POST answer says were matched (BUY: takingAmount; SELL: makingAmount)."""
    key = "takingAmount" if entry.side == Side.BUY.value else "makingAmount"
    value = answer.get(key)
    if value in (None, ""):
        return None
    try:
        return dec(value, key)
    except ParseError:
        return None
