"""What is redeemable: Polymarket markets that settled with a winning position held by some
agent (``Position.PositionSettled`` at price 1), less those already redeemed or in flight."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from adapters.control.holdings import events_of
from engine.application import TapeApplication
from engine.positions import Position
from engine.redemptions import CONFIRMED, FAILED, Redemption, redemption_uuid

VENUE = "polymarket"
PAPER_PREFIX = "paper-"  # the paper venue's order ids
CONDITION_ID = re.compile(r"^0x[0-9a-fA-F]{64}$")


@dataclass
class Candidate:
    """One market's winning shares: who held how many, and where its redemption stands
    (``redeemable``, ``pending`` when signed or asked and not answered, ``redeemed``)."""

    market_id: str
    winning_token_id: str
    holders: dict[str, Decimal] = field(default_factory=dict)
    state: str = "redeemable"
    redemption: Redemption | None = None

    @property
    def size(self) -> Decimal:
        """Shares of the winning token over every agent."""
        return sum(self.holders.values(), Decimal(0))

    @property
    def is_condition(self) -> bool:
        """Whether the market id is a CTF condition id (what ``redeemPositions`` takes)."""
        return bool(CONDITION_ID.fullmatch(self.market_id))


def candidates(app: TapeApplication, *, agent: str | None = None) -> list[Candidate]:
    """Every Polymarket market with winning shares settled (of ``agent`` when given)."""
    found: dict[str, Candidate] = {}
    for event in events_of(app, Position.PositionSettled):
        if event.price != 1 or event.size <= 0:
            continue
        position: Position = app.repository.get(event.originator_id)
        if position.venue != VENUE or (agent is not None and position.agent != agent):
            continue
        if _on_paper(app, position):
            continue  # a paper position has nothing on chain to redeem
        candidate = found.setdefault(
            event.market_id, Candidate(event.market_id, event.winning_token_id)
        )
        candidate.holders[position.agent] = (
            candidate.holders.get(position.agent, Decimal(0)) + event.size
        )
    for candidate in found.values():
        redemption: Redemption | None = app.get_or_none(redemption_uuid(VENUE, candidate.market_id))
        candidate.redemption = redemption
        if redemption is not None and redemption.status != FAILED:
            candidate.state = "redeemed" if redemption.status == CONFIRMED else "pending"
    return sorted(found.values(), key=lambda c: c.market_id)


def _on_paper(app: TapeApplication, position: Position) -> bool:
    for event in app.repository.event_store.get(position.id):
        if isinstance(event, Position.PositionIncreased):
            order = app.get_or_none(UUID(event.order_id))
            return order is None or str(order.venue_order_id or "").startswith(PAPER_PREFIX)
    return True


def redeemable_tokens(app: TapeApplication) -> dict[tuple[str, str], str]:
    """(agent, winning token) -> its state, for ``tape positions``."""
    return {(agent, c.winning_token_id): c.state for c in candidates(app) for agent in c.holders}


def mark_redeemable(rows: list[dict[str, Any]], open_log: Callable[[], TapeApplication]) -> bool:
    """Add ``redeem`` (redeemable, pending, redeemed) to the settled winning Polymarket rows of
    ``tape positions``; whether any row has it (the log is opened only if a row is settled)."""
    if not any(r.get("status") == "SETTLED" and r.get("venue") == VENUE for r in rows):
        return False
    states = redeemable_tokens(open_log())
    for row in rows:
        state = states.get((row["agent"], row["token_id"]))
        if state is not None and row.get("venue") == VENUE:
            row["redeem"] = state
    return any("redeem" in row for row in rows)
