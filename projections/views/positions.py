"""The positions view: size, cost, realised PnL, fees and settlement per agent, venue and token
(marked PnL is computed when rows are read, from the marks view)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.positions import Position
from projections.readstore import Index
from projections.rows import Rows, aggregate_key, new_rows
from projections.views.base import Read, TableSpec, ViewSpec, at_text
from projections.views.marks import MarksView

PRICE_QUANTUM = Decimal("0.000001")


@dataclass
class PositionsView:
    """Positions per agent, venue and token: size, average cost, realised and marked PnL."""

    rows: Rows = field(default_factory=new_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Position.PositionOpened):
            self.rows[aggregate_key(event)] = {
                "agent": event.agent,
                "venue": event.venue,
                "market_id": event.market_id,
                "token_id": event.token_id,
                "outcome": event.outcome,
                "size": Decimal(0),
                "cost": Decimal(0),
                "realised_pnl": Decimal(0),
                "fees": Decimal(0),
                "settled_size": Decimal(0),
                "settled_price": None,
                "settled_at": None,
                "opened_at": event.timestamp,
            }
            return
        if not isinstance(event, Position.Event):
            return
        row = self.rows.get(aggregate_key(event))
        if row is None:
            return
        if isinstance(event, Position.PositionIncreased):
            row["size"] += event.size
            row["cost"] += event.price * event.size + event.fee
            row["fees"] += event.fee
        elif isinstance(event, Position.PositionReduced):
            row["size"] -= event.size
            row["cost"] -= event.cost
            row["fees"] += event.fee
            row["realised_pnl"] += event.realised_pnl
        elif isinstance(event, Position.PositionFillVoided):
            row["size"] += event.size
            row["cost"] += event.cost_change
            row["realised_pnl"] += event.realised_pnl_change
            row["fees"] += event.fee_change
        elif isinstance(event, Position.PositionSettled):
            row["size"] -= event.size
            row["cost"] -= event.cost
            row["realised_pnl"] += event.realised_pnl
            row["settled_size"] += event.size
            row["settled_price"] = event.price
            row["settled_at"] = event.timestamp

    def with_marks(self, marks: MarksView) -> list[dict[str, Any]]:
        """Rows with average cost, mark and marked PnL, in a stable order."""
        out = []
        for row in sorted(
            self.rows.values(), key=lambda r: (r["agent"], r["venue"], r["token_id"])
        ):
            mark = marks.mark(row["venue"], row["token_id"])
            size = row["size"]
            out.append(
                {
                    **row,
                    "avg_cost": (row["cost"] / size).quantize(PRICE_QUANTUM)
                    if size
                    else Decimal(0),
                    "mark": mark,
                    "marked_pnl": (size * mark - row["cost"]) if mark is not None else Decimal(0),
                }
            )
        return out


def position_status(row: dict[str, Any]) -> str:
    """OPEN while shares are held, SETTLED after a resolution took them, else CLOSED."""
    if row["size"] != 0:
        return "OPEN"
    return "SETTLED" if row.get("settled_size") else "CLOSED"


def position_index(row: dict[str, Any]) -> Index:
    """Positions: by token, agent, venue, status, time opened."""
    return Index(
        row["token_id"],
        row["agent"],
        row["venue"],
        position_status(row),
        at_text(row["opened_at"]),
    )


VIEW = ViewSpec(
    name="positions",
    description="Positions: size, cost, realised PnL and settlement per agent, venue and token.",
    tables=(TableSpec("positions", position_index, Read.PAIR),),
    fold=PositionsView,
)
