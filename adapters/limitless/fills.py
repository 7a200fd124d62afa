"""An order as Limitless reports it (the ``POST /orders`` answer or a ``user-orders`` row)
-> a :class:`engine.ports.VenueReport`.

Each match of the order is one fill (its ``id``); its settlement status decides what the fill
is: MATCHED, RETRYING, DELAYED (and an unknown status) provisional; MINED and CONFIRMED final;
FAILED voided. Every report carries the order's whole state, so repeating one is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from adapters.ctf.amounts import UNIT, from_micro
from adapters.limitless.parsers import ParseError, dec
from engine.ports import VenueFill, VenueReport

FINAL = frozenset({"MINED", "CONFIRMED"})
FAILED = "FAILED"
OPEN_STATUSES = frozenset({"LIVE", "OPEN", "UNMATCHED", "PARTIALLY_FILLED", "DELAYED"})


@dataclass(frozen=True)
class Fill:
    """One match of our order and how far it has settled."""

    fill_id: str
    price: Decimal
    size: Decimal
    fee: Decimal
    settlement: str


@dataclass
class OrderState:
    """What the venue says of one order."""

    venue_order_id: str
    status: str
    fills: dict[str, Fill] = field(default_factory=dict)

    def merge(self, other: OrderState) -> None:
        """Take a newer view: its status and fills (a fill never disappears)."""
        self.venue_order_id = other.venue_order_id or self.venue_order_id
        self.status = other.status or self.status
        self.fills.update(other.fills)

    @property
    def closed(self) -> bool:
        """Nothing more of it can trade."""
        return bool(self.status) and self.status not in OPEN_STATUSES

    @property
    def settled(self) -> bool:
        """Every fill is final or voided."""
        return all(f.settlement in FINAL or f.settlement == FAILED for f in self.fills.values())

    def report(self, client_order_id: str) -> VenueReport:
        """The order's whole state as a report."""
        kept = [f for f in self.fills.values() if f.settlement != FAILED]
        return VenueReport(
            client_order_id=client_order_id,
            accepted=True,
            venue_order_id=self.venue_order_id,
            fills=tuple(
                VenueFill(f.fill_id, f.price, f.size, f.fee, provisional=f.settlement not in FINAL)
                for f in sorted(kept, key=lambda f: f.fill_id)
            ),
            closed=self.closed,
            close_reason=f"limitless order {self.status}" if self.closed else "",
            voided_fills=tuple(
                sorted(f.fill_id for f in self.fills.values() if f.settlement == FAILED)
            ),
        )


def _matches(raw: dict[str, Any]) -> list[Any]:
    for key in ("makerMatches", "matches", "trades", "fills"):
        value = raw.get(key)
        if isinstance(value, list):
            return value
    return []


def _micro(value: Any, what: str) -> Decimal:
    number = dec(value, what)
    if number != number.to_integral_value() or number < 0:
        raise ParseError(f"{what}: not a whole, non-negative number of micro-units")
    return from_micro(int(number))


def _fill(match: Any, *, price: Decimal, settlement: str) -> Fill:
    if not isinstance(match, dict) or not isinstance(match.get("id"), str | int) or not match["id"]:
        raise ParseError("a match without an id")
    size = _micro(match.get("matchedSize"), "matchedSize")
    at = dec(match["price"], "match price") if match.get("price") is not None else price
    if not 0 < at < 1 or size <= 0:
        raise ParseError(f"match {match['id']}: price {at} or size {size} out of range")
    fee = _micro(match.get("usdFee", 0), "usdFee")
    fee += (_micro(match.get("contractsFee", 0), "contractsFee") * at).quantize(UNIT)
    status = str(match.get("settlementStatus") or settlement or "MATCHED").upper()[:40]
    return Fill(str(match["id"]), at, size, fee, status)


def parse_order(raw: Any, *, price: Decimal) -> OrderState:
    """A ``user-orders`` row, or the ``order`` of a ``POST /orders`` answer with the answer's
    ``makerMatches`` and ``execution`` beside it (pass the whole answer)."""
    if not isinstance(raw, dict):
        raise ParseError("order: not an object")
    nested, execution = raw.get("order"), raw.get("execution")
    order: dict[str, Any] = nested if isinstance(nested, dict) else raw
    if not isinstance(execution, dict):
        execution = {}
    settlement = str(execution.get("settlementStatus") or "")
    state = OrderState(
        str(order.get("id") or "")[:200], str(order.get("status") or "").upper()[:40]
    )
    for match in _matches(raw) or _matches(order):
        fill = _fill(match, price=price, settlement=settlement)
        state.fills[fill.fill_id] = fill
    return state
