"""PnL totals for the day report: realised and marked PnL per agent and per copied trader in the
state a set of views holds, and the agents' day rows summed per strategy.

Holdings are marked at the latest recorded book, as ``tape positions`` does. Per trader, PnL
follows the lots: each buy lot belongs to the trader it copied, and a sell's or settlement's
realised PnL is split over the lots it consumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from projections.views import LogViews

NO_TRADER = "-"


@dataclass(frozen=True)
class Totals:
    """Realised and marked PnL at one moment."""

    realised: Decimal = Decimal(0)
    marked: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        """Realised plus marked."""
        return self.realised + self.marked


def agent_totals(views: LogViews) -> dict[str, Totals]:
    """Each agent's realised and marked PnL in the state the views hold."""
    out: dict[str, Totals] = {}
    for row in views.positions.rows.values():
        mark = views.marks.mark(row["venue"], row["token_id"])
        marked = row["size"] * mark - row["cost"] if mark is not None and row["size"] else 0
        old = out.get(row["agent"], Totals())
        out[row["agent"]] = Totals(old.realised + row["realised_pnl"], old.marked + marked)
    return out


def trader_totals(views: LogViews) -> dict[tuple[str, str], Totals]:
    """Realised and marked PnL per agent and copied trader, from the lots each trade bought."""
    out: dict[tuple[str, str], Totals] = {}
    for lot in views.purchases.rows.values():
        mark = views.marks.mark(lot["venue"], lot["token_id"])
        held = lot["remaining"]
        marked = held * mark - lot["remaining_cost"] if mark is not None and held else 0
        key = (lot["agent"], lot["trader"] or NO_TRADER)
        old = out.get(key, Totals())
        out[key] = Totals(old.realised + lot["realised_pnl"], old.marked + marked)
    return out


def agent_total(views: LogViews, agent: str) -> Decimal:
    """One agent's realised plus marked PnL in the state the views hold."""
    total = Decimal(0)
    for row in views.positions.rows.values():
        if row["agent"] != agent:
            continue
        total += row["realised_pnl"]
        mark = views.marks.mark(row["venue"], row["token_id"])
        if mark is not None and row["size"]:
            total += row["size"] * mark - row["cost"]
    return total


def strategy_totals(
    agents: list[dict[str, Any]], strategy_of: dict[str, str]
) -> list[dict[str, Any]]:
    """The agents' rows summed per strategy (``copy`` for copy agents), by strategy name."""
    sums: dict[str, dict[str, Any]] = {}
    keys = ("realised", "marked", "day_pnl", "fills", "volume", "fees")
    for row in agents:
        strategy = strategy_of.get(row["agent"], "copy")
        total = sums.setdefault(
            strategy, {"strategy": strategy, "agents": [], **{k: Decimal(0) for k in keys}}
        )
        total["agents"].append(row["agent"])
        for key in keys:
            total[key] += row[key]
    return [
        {**sums[name], "agents": ", ".join(sums[name]["agents"]), "fills": int(sums[name]["fills"])}
        for name in sorted(sums)
    ]
