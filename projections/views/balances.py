"""The balances view: per agent and venue the cash flow, volumes, fees, realised PnL, holdings
cost and open commitments, and each agent's budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.agents import Agent
from engine.orders import Order
from engine.values import Side
from projections.readstore import Index
from projections.rows import Rows, aggregate_key, new_rows, pair_key
from projections.views.base import Read, TableSpec, ViewSpec, by_agent_and_venue
from projections.views.marks import MarksView
from projections.views.positions import PositionsView


def _new_balance(agent: str, venue: str) -> dict[str, Any]:
    zero = Decimal(0)
    return {
        "agent": agent,
        "venue": venue,
        "cash": zero,
        "bought": zero,
        "sold": zero,
        "settled": zero,
        "fees": zero,
        "realised_pnl": zero,
        "holdings_cost": zero,
        "committed": zero,
        "fills": 0,
    }


@dataclass
class BalancesView:
    """Balances per agent and venue.

    ``rows`` (key: :func:`pair_key`) hold the cash flow (USDC received from sells and
    settlements less USDC paid for buys, fees included), what was bought, sold and settled, the
    fees, the realised PnL, the cost of what is held and what open buy orders still commit.
    Cash, volumes and fees follow the orders' fills (a voided fill gives them back); realised
    PnL, holdings cost and commitments follow the agents' risk books. ``orders`` maps an order to
    its agent, venue, side, open commitment (as ``Agent.commitments`` has it) and fills;
    ``agents`` maps an agent's id to its name and budget.
    """

    rows: Rows = field(default_factory=new_rows)
    orders: Rows = field(default_factory=new_rows)
    agents: Rows = field(default_factory=new_rows)

    def _balance(self, agent: str, venue: str) -> dict[str, Any]:
        key = pair_key(agent, venue)
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = _new_balance(agent, venue)
        return row

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Agent.AgentRegistered):
            self.agents[aggregate_key(event)] = {
                "name": event.name,
                "budget": Decimal(str(event.config["budget_usdc"])),
            }
        elif isinstance(event, Agent.AgentConfigChanged):
            agent = self.agents.get(aggregate_key(event))
            if agent is not None:
                agent["budget"] = Decimal(str(event.config["budget_usdc"]))
        elif isinstance(event, Order.Event):
            self._order_event(event)
        elif isinstance(event, Agent.Event):
            self._risk_book_event(event)

    def _order_event(self, event: Any) -> None:
        if isinstance(event, Order.OrderPlaced):
            self._balance(event.agent, event.venue)
            self.orders[aggregate_key(event)] = {
                "agent": event.agent,
                "venue": event.venue,
                "side": event.side,
                "committed": None,
                "fills": {},
            }
            return
        order = self.orders.get(aggregate_key(event))
        if order is None:
            return
        if isinstance(event, Order.OrderFilled):
            notional = event.price * event.size
            cash = (
                -(notional + event.fee) if order["side"] == Side.BUY.value else notional - event.fee
            )
            order["fills"][event.fill_id] = {"cash": cash, "notional": notional, "fee": event.fee}
            self._count_fill(order, cash, notional, event.fee, 1)
        elif isinstance(event, Order.OrderFillVoided):
            fill = order["fills"].pop(event.fill_id, None)
            if fill is not None:
                self._count_fill(order, -fill["cash"], -fill["notional"], -fill["fee"], -1)

    def _count_fill(
        self, order: dict[str, Any], cash: Decimal, notional: Decimal, fee: Decimal, fills: int
    ) -> None:
        row = self._balance(order["agent"], order["venue"])
        row["cash"] += cash
        row["bought" if order["side"] == Side.BUY.value else "sold"] += notional
        row["fees"] += fee
        row["fills"] += fills

    def _risk_book_event(self, event: Any) -> None:
        if isinstance(event, Agent.PositionSettledBooked):
            agent = self.agents.get(aggregate_key(event))
            if agent is not None:
                row = self._balance(agent["name"], event.venue)
                row["cash"] += event.payout
                row["settled"] += event.payout
                row["holdings_cost"] -= event.cost
                row["realised_pnl"] += event.realised_pnl
            return
        order = self.orders.get(getattr(event, "order_id", ""))
        if order is None:
            return
        row = self._balance(order["agent"], order["venue"])
        if isinstance(event, Agent.OrderCommitted):
            if event.side == Side.BUY.value:
                self._commit(order, event.notional)
        elif isinstance(event, Agent.FillBooked):
            row["realised_pnl"] += event.realised_pnl
            row["holdings_cost"] += event.cost_change
            if order["committed"] is not None:
                left = order["committed"] - event.price * event.size
                self._commit(order, max(left, Decimal(0)))
        elif isinstance(event, Agent.FillReversed):
            row["realised_pnl"] += event.realised_pnl_change
            row["holdings_cost"] += event.cost_change
        elif isinstance(event, Agent.CommitmentReleased) and order["committed"] is not None:
            self._commit(order, None)

    def _commit(self, order: dict[str, Any], amount: Decimal | None) -> None:
        # Set an order's open commitment (None: released), keeping its balance's total.
        row = self._balance(order["agent"], order["venue"])
        row["committed"] += (amount or Decimal(0)) - (order["committed"] or Decimal(0))
        order["committed"] = amount

    def budgets(self) -> dict[str, Decimal]:
        """Each agent's budget, by name."""
        return {a["name"]: a["budget"] for a in self.agents.values()}

    def with_marks(self, positions: PositionsView, marks: MarksView) -> list[dict[str, Any]]:
        """Rows with marked PnL (positions at the latest recorded books) and the budget left
        (the agent's budget less the cost of its holdings and open commitments, all venues)."""
        marked: dict[str, Decimal] = {}
        for position in positions.rows.values():
            mark = marks.mark(position["venue"], position["token_id"])
            if mark is not None and position["size"]:
                key = pair_key(position["agent"], position["venue"])
                marked[key] = (
                    marked.get(key, Decimal(0)) + position["size"] * mark - position["cost"]
                )
        deployed: dict[str, Decimal] = {}
        for row in self.rows.values():
            deployed[row["agent"]] = (
                deployed.get(row["agent"], Decimal(0)) + row["holdings_cost"] + row["committed"]
            )
        budgets = self.budgets()
        out = []
        for row in sorted(self.rows.values(), key=lambda r: (r["agent"], r["venue"])):
            budget = budgets.get(row["agent"])
            out.append(
                {
                    **row,
                    "marked_pnl": marked.get(pair_key(row["agent"], row["venue"]), Decimal(0)),
                    "budget": budget,
                    "budget_left": budget - deployed[row["agent"]] if budget is not None else None,
                }
            )
        return out


def balance_index(row: dict[str, Any]) -> Index:
    """Balances: by agent and venue."""
    return Index(None, row["agent"], row["venue"])


def balance_agent_index(row: dict[str, Any]) -> Index:
    """An agent's budget: by the agent's name."""
    return Index(agent=row["name"])


VIEW = ViewSpec(
    name="balances",
    description="Balances per agent and venue: cash, committed, fees, realised PnL, holdings cost.",
    tables=(
        TableSpec("balances", balance_index),
        TableSpec("balance_orders", by_agent_and_venue, Read.SKIP),
        TableSpec("balance_agents", balance_agent_index),
    ),
    fold=BalancesView,
)
