"""Market resolution: settle every position held in a resolved market.

The winning token pays 1 a share and every other token of the market 0. Each position held
records ``PositionSettled`` (its lots consumed at that price, the PnL realised) and its agent
records ``PositionSettledBooked`` (the holding leaves the risk book), all in one transaction.
Settling is idempotent: a position already settled holds nothing, so a resolution handled again
after a restart records nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from engine.agents import Agent
from engine.application import TapeApplication
from engine.ids import agent_uuid
from engine.positions import Position
from engine.unit_of_work import UnitOfWork

PAGE = 1000
_OPENED_TOPIC = get_topic(Position.PositionOpened)


@dataclass(frozen=True)
class SettledPosition:
    """One position a resolution settled."""

    agent: str
    venue: str
    token_id: str
    size: Decimal
    price: Decimal
    cost: Decimal
    payout: Decimal
    realised_pnl: Decimal


@dataclass(frozen=True)
class Settlement:
    """What a resolution settled."""

    venue: str
    market_id: str
    winning_token_id: str
    at: datetime
    positions: list[SettledPosition] = field(default_factory=list)

    @property
    def realised_pnl(self) -> Decimal:
        """The PnL the resolution realised, over every position it settled."""
        return sum((p.realised_pnl for p in self.positions), Decimal(0))


def market_positions(app: TapeApplication, venue: str, market_id: str) -> list[UUID]:
    """The ids of every position ever opened in a market of a venue, in log order
    (found by reading only the log's ``PositionOpened`` events)."""
    found: list[UUID] = []
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=PAGE, topics=[_OPENED_TOPIC])
        if not page:
            return found
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            if isinstance(event, Position.PositionOpened) and (
                event.venue == venue and event.market_id == market_id
            ):
                found.append(event.originator_id)
        start = page[-1].id + 1


def settle_market(
    app: TapeApplication,
    *,
    venue: str,
    market_id: str,
    winning_token_id: str,
    at: datetime,
    unit: UnitOfWork | None = None,
) -> Settlement:
    """Settle every position held in ``market_id`` on ``venue`` at ``at``: positions and agents
    are saved together, in one transaction (the engine's step when ``unit`` is given). Returns
    what was settled (nothing when no position holds anything, e.g. when the resolution was
    already applied)."""
    get = unit.get if unit is not None else app.repository.get
    positions: list[Position] = sorted(
        (get(pid) for pid in market_positions(app, venue, market_id)),
        key=lambda p: (p.agent, p.token_id),
    )
    agents: dict[str, Agent] = {}
    settled: list[SettledPosition] = []
    for position in positions:
        outcome = position.settle(
            market_id=market_id,
            winning_token_id=winning_token_id,
            at=max(at, position.modified_on),
        )
        if outcome is None:
            continue
        size, cost, payout, realised = outcome
        agent = agents.get(position.agent)
        if agent is None:
            agent = agents[position.agent] = get(agent_uuid(position.agent))
        price = Decimal(1) if position.token_id == winning_token_id else Decimal(0)
        agent.book_settlement(
            venue=venue,
            market_id=market_id,
            token_id=position.token_id,
            size=size,
            price=price,
            cost=cost,
            payout=payout,
            realised_pnl=realised,
            at=max(at, agent.modified_on),
        )
        settled.append(
            SettledPosition(
                agent=position.agent,
                venue=venue,
                token_id=position.token_id,
                size=size,
                price=price,
                cost=cost,
                payout=payout,
                realised_pnl=realised,
            )
        )
    to_save: list[Any] = [p for p in positions if p.pending_events]
    to_save += [agents[name] for name in sorted(agents)]
    if unit is not None:
        unit.add(*to_save)
    elif to_save:
        app.save(*to_save)
    return Settlement(venue, market_id, winning_token_id, at, settled)
