"""The answers of the Telegram bot's read-only commands: the read queries, rendered as the CLI
renders them, so a chat shows the numbers ``tape positions``, ``tape balances`` and ``tape why``
show."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cli.render import money, table, why_tree
from engine.agents import Agent
from engine.application import TapeApplication
from engine.ids import agent_uuid
from projections import queries
from projections.queries import Filters, TrackedReadModels

POSITION_COLUMNS = ["agent", "venue", "outcome", "size", "avg_cost", "mark", "marked_pnl"]
PNL_COLUMNS = ["agent", "venue", "realised_pnl", "marked_pnl", "fees", "budget_left"]


@dataclass
class QueryReplies:
    """Replies from the tracked read models (and the agents' switches from the log)."""

    models: TrackedReadModels
    apps: list[TapeApplication]  # the single application, or each worker's

    def _agent(self, name: str) -> Agent | None:
        for app in self.apps:
            found = app.get_or_none(agent_uuid(name))
            if isinstance(found, Agent):
                return found
        return None

    def agent_exists(self, name: str) -> bool:
        """Whether an agent of that name is registered."""
        return self._agent(name) is not None

    def status(self) -> str:
        """Each agent's switch and PnL."""
        rows = queries.balances(self.models, Filters())
        lines = []
        for name in sorted({r["agent"] for r in rows}):
            agent = self._agent(name)
            state = agent.trading_state if agent is not None else "?"
            mine = [r for r in rows if r["agent"] == name]
            pnl = sum((r["realised_pnl"] + r["marked_pnl"] for r in mine), Decimal(0))
            lines.append(f"{name}: {state}, PnL {money(pnl)}")
        return "\n".join(lines) or "no agents have traded yet"

    def positions(self) -> str:
        """Open positions, as ``tape positions``."""
        rows = queries.positions(self.models, Filters())
        return table(rows, POSITION_COLUMNS) if rows else "no open positions"

    def pnl(self) -> str:
        """PnL per agent and venue, as ``tape balances``."""
        rows = queries.balances(self.models, Filters())
        return table(rows, PNL_COLUMNS) if rows else "no balances yet"

    def why(self, ident: str) -> str:
        """The ``tape why`` tree of an id."""
        trail = queries.why(self.models, ident)
        return why_tree(trail) if trail is not None else f"no order or intent with id {ident}"
