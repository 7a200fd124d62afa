"""The purchases view: every buy lot and what consumed it (sells first in first out, settlement),
with the realised PnL per lot."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.lots import COST_QUANTUM
from engine.positions import Position
from projections.readstore import Index
from projections.rows import Rows, aggregate_key, new_rows
from projections.views.base import Read, TableSpec, ViewSpec, at_text, by_agent_and_venue, seq_of


def _shares(
    consumed: list[dict[str, str]], price: Decimal, size: Decimal, fee: Decimal, realised: Decimal
) -> list[Decimal]:
    # The realised PnL of each consumed lot: its part of the proceeds (fee shared by size) less
    # its cost; the last lot takes the rounding rest, so the parts add up to the event's PnL.
    parts: list[Decimal] = []
    for item in consumed[:-1]:
        take = Decimal(item["size"])
        proceeds = (price * take - fee * take / size).quantize(COST_QUANTUM)
        parts.append(proceeds - Decimal(item["cost"]))
    if consumed:
        parts.append(realised - sum(parts, Decimal(0)))
    return parts


@dataclass
class PurchasesView:
    """Purchase history: every buy lot and how later sells (or a settlement) consumed it.

    ``rows`` are lots by lot id (the buy fill's id): agent, venue, token, the trader copied,
    price, size, fee, cost, time, order, what remains, and ``consumed`` (order, fill, size,
    cost, price, realised PnL, time). A voided buy fill leaves its lot VOIDED (nothing remains);
    a voided sell fill gives back what it consumed. ``positions`` maps a position to what it is
    of; ``sells`` maps a sell fill to the lots it consumed.
    """

    rows: Rows = field(default_factory=new_rows)
    positions: Rows = field(default_factory=new_rows)
    sells: Rows = field(default_factory=new_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Position.PositionOpened):
            self.positions[aggregate_key(event)] = {
                "agent": event.agent,
                "venue": event.venue,
                "market_id": event.market_id,
                "token_id": event.token_id,
                "outcome": event.outcome,
            }
        elif isinstance(event, Position.PositionIncreased):
            what = self.positions.get(aggregate_key(event))
            if what is None:
                return
            cost = event.price * event.size + event.fee
            self.rows[event.fill_id] = {
                "lot": event.fill_id,
                **what,
                "trader": event.trader,
                "order_id": event.order_id,
                "price": event.price,
                "size": event.size,
                "fee": event.fee,
                "cost": cost,
                "bought_at": event.timestamp,
                "remaining": event.size,
                "remaining_cost": cost,
                "realised_pnl": Decimal(0),
                "consumed": [],
                "status": "OPEN",
            }
        elif isinstance(event, Position.PositionReduced):
            parts = _shares(event.consumed, event.price, event.size, event.fee, event.realised_pnl)
            self._consume(event, "sell", event.order_id, event.fill_id, parts)
            self.sells[event.fill_id] = {"lots": [c["lot"] for c in event.consumed]}
        elif isinstance(event, Position.PositionSettled):
            parts = [event.price * Decimal(c["size"]) - Decimal(c["cost"]) for c in event.consumed]
            self._consume(event, "settlement", None, None, parts)
        elif isinstance(event, Position.PositionFillVoided):
            self._void(event.fill_id)

    def _consume(
        self,
        event: Any,
        kind: str,
        order_id: str | None,
        fill_id: str | None,
        parts: list[Decimal],
    ) -> None:
        for item, realised in zip(event.consumed, parts, strict=True):
            row = self.rows.get(item["lot"])
            if row is None:
                continue
            size, cost = Decimal(item["size"]), Decimal(item["cost"])
            row["consumed"].append(
                {
                    "kind": kind,
                    "order_id": order_id,
                    "fill_id": fill_id,
                    "price": event.price,
                    "size": size,
                    "cost": cost,
                    "realised_pnl": realised,
                    "at": event.timestamp,
                }
            )
            row["remaining"] -= size
            row["remaining_cost"] -= cost
            row["realised_pnl"] += realised
            if row["remaining"] == 0:
                row["status"] = "SETTLED" if kind == "settlement" else "CLOSED"

    def _void(self, fill_id: str) -> None:
        # A voided buy takes out what is left of its lot; a voided sell gives its lots back.
        lot = self.rows.get(fill_id)
        if lot is not None:
            lot["remaining"], lot["remaining_cost"], lot["status"] = (
                Decimal(0),
                Decimal(0),
                "VOIDED",
            )
            return
        sell = self.sells.get(fill_id)
        if sell is None:
            return
        for lot_id in sell["lots"]:
            row = self.rows.get(lot_id)
            if row is None:
                continue
            undone = [c for c in row["consumed"] if c["fill_id"] == fill_id]
            row["consumed"] = [c for c in row["consumed"] if c["fill_id"] != fill_id]
            for item in undone:
                row["remaining"] += item["size"]
                row["remaining_cost"] += item["cost"]
                row["realised_pnl"] -= item["realised_pnl"]
            if row["status"] != "VOIDED" and row["remaining"] > 0:
                row["status"] = "OPEN"
        del self.sells[fill_id]


def purchase_index(row: dict[str, Any]) -> Index:
    """Purchase lots: by token, agent, venue, status, time bought (listed by that time)."""
    return Index(
        row["token_id"],
        row["agent"],
        row["venue"],
        row["status"],
        at_text(row["bought_at"]),
        seq_of(row["bought_at"]),
    )


VIEW = ViewSpec(
    name="purchases",
    description="Purchase history: every buy lot and how sells and settlements consumed it (FIFO).",
    tables=(
        TableSpec("purchases", purchase_index, Read.QUERY),
        TableSpec("purchase_positions", by_agent_and_venue, Read.SKIP),
        TableSpec("purchase_sells", by_agent_and_venue, Read.SKIP),
    ),
    fold=PurchasesView,
    version=2,  # 2: no log positions in the rows (several logs interleave)
)
