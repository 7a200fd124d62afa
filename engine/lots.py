"""Lot arithmetic of a position, as pure functions over its lots (dicts of lot id, order id,
trader, price, size, cost): what a sell consumes first in, first out, what is left after it,
and what a voided fill puts back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.values import dec_str

COST_QUANTUM = Decimal("1e-10")

Lot = dict[str, Any]


def lot_cost(lot: Lot, size: Decimal) -> Decimal:
    """Cost of ``size`` shares of a lot, in proportion (fee included)."""
    # A whole lot costs exactly what it cost, so no rounding dust is left behind.
    cost: Decimal = lot["cost"]
    if size == lot["size"]:
        return cost
    part: Decimal = cost * size / lot["size"]
    return part.quantize(COST_QUANTUM)


def consume(
    lots: list[Lot], trader: str | None, size: Decimal
) -> tuple[list[dict[str, str]], Decimal]:
    """The parts of lots a sell of ``size`` takes (lot, size, cost), the copied trader's lots
    first, each first in, first out; and their cost."""
    ordered = [lot for lot in lots if lot["trader"] == trader] + [
        lot for lot in lots if lot["trader"] != trader
    ]
    consumed: list[dict[str, str]] = []
    cost = Decimal(0)
    left = size
    for lot in ordered:
        if left == 0:
            break
        take = min(left, lot["size"])
        part_cost = lot_cost(lot, take)
        consumed.append({"lot": lot["lot"], "size": dec_str(take), "cost": dec_str(part_cost)})
        cost += part_cost
        left -= take
    return consumed, cost


def remaining_after(lots: list[Lot], consumed: list[dict[str, str]]) -> list[Lot]:
    """The lots left once the consumed parts are taken out."""
    taken = {c["lot"]: Decimal(c["size"]) for c in consumed}
    remaining = []
    for lot in lots:
        size = taken.get(lot["lot"], Decimal(0))
        if size == 0:
            remaining.append(lot)
        elif size < lot["size"]:
            left = lot["size"] - size
            remaining.append({**lot, "size": left, "cost": lot["cost"] - lot_cost(lot, size)})
    return remaining


def put_back(lots: list[Lot], consumed: list[dict[str, str]]) -> None:
    """Return a voided sell's consumed parts to their lots (a lot it emptied comes back)."""
    by_id = {lot["lot"]: lot for lot in lots}
    for part in consumed:
        size, cost = Decimal(part["size"]), Decimal(part["cost"])
        lot = by_id.get(part["lot"])
        if lot is None:
            lot = {
                "lot": part["lot"],
                "order_id": "",
                "trader": None,
                "price": cost / size,
                "size": Decimal(0),
                "cost": Decimal(0),
            }
            lots.append(lot)
            by_id[part["lot"]] = lot
        lot["size"] += size
        lot["cost"] += cost


def void_changes(
    lots: list[Lot], reduction: dict[str, Any] | None, fill_id: str
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """What voiding a fill changes: size, cost, realised PnL and fees. A sell (``reduction``,
    as recorded when it was booked) comes back; a buy's lot, what is left of it, goes."""
    if reduction is not None:
        size = Decimal(reduction["size"])
        cost = sum((Decimal(p["cost"]) for p in reduction["consumed"]), Decimal(0))
        return size, cost, -Decimal(reduction["realised_pnl"]), -Decimal(reduction["fee"])
    lot = next((lot for lot in lots if lot["lot"] == fill_id), None)
    if lot is None:
        return Decimal(0), Decimal(0), Decimal(0), Decimal(0)
    return -lot["size"], -lot["cost"], Decimal(0), -lot.get("fee", Decimal(0))
