"""``tape agents flatten NAME``: sell every position of an agent, through the firewall.

Each open position becomes one ``tape.intent/1`` intent of ``source.kind = "flatten"``: a SELL
of everything held, priced at the best bid of the venue's book now, so the firewall's slippage
check holds the sale within the agent's ``max_slippage_pct`` of that bid; sizing sells what is
held (never more). The agent is first switched to REDUCING (it stops buying while it exits, and
its resting buys are cancelled); its verdicts, orders and fills are events like any other, and
``tape why`` shows the flatten's reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from adapters.control.cancels import cancel_for_state
from adapters.control.holdings import open_positions
from engine import commands as c
from engine.ids import intent_uuid
from engine.intent import TradeIntent, format_utc
from engine.intents import Intent
from engine.positions import Position
from engine.service import TradingEngine
from engine.values import TradingState, dec_str

FEED = "flatten"


@dataclass
class FlattenResult:
    """What a flatten did: the intents it sent (id -> verdict) and the positions it left."""

    verdicts: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # one line per position not sold
    canceled: dict[str, int] = field(default_factory=dict)


def flatten_intent(position: Position, *, bid: str, at: datetime, reason: str) -> TradeIntent:
    """The SELL of everything ``position`` holds, at the venue's best bid now."""
    stamp = format_utc(at)
    return TradeIntent.model_validate(
        {
            "schema": "tape.intent/1",
            "intent_id": f"flatten:{position.agent}:{position.venue}:{position.token_id}:{stamp}",
            "agent": position.agent,
            "venue": position.venue,
            "market_id": position.market_id,
            "token_id": position.token_id,
            "outcome": position.outcome,
            "side": "SELL",
            "price": bid,
            "size": dec_str(position.size),
            "created_at": stamp,
            "source": {"kind": "flatten", "strategy": reason},
        }
    )


def flatten(engine: TradingEngine, agent: str, *, reason: str) -> FlattenResult:
    """Switch ``agent`` to REDUCING (cancelling its resting buys), then send a flatten intent
    per open position through the engine."""
    result = FlattenResult()
    engine.handle(c.SetTradingState(agent, TradingState.REDUCING, f"flatten: {reason}"))
    result.canceled = cancel_for_state(engine, agent, TradingState.REDUCING)
    at = engine.clock.now()
    for position in open_positions(engine.app, agent=agent):
        where = f"{position.venue} {position.token_id}"
        book = engine.market_data.book(position.venue, position.token_id, at=at, account=agent)
        bid = book.best_bid() if book is not None else None
        if bid is None:
            result.skipped.append(f"{where}: no bid in the venue's book: not sold")
            continue
        intent = flatten_intent(position, bid=dec_str(bid), at=at, reason=reason)
        engine.submit(intent, feed=FEED)
        stored: Intent = engine.app.repository.get(intent_uuid(intent.intent_id))
        result.verdicts[intent.intent_id] = _verdict(engine, stored)
    return result


def _verdict(engine: TradingEngine, intent: Intent) -> str:
    if intent.status != "ACCEPTED":
        return f"{intent.status} {intent.reason or ''}".strip()
    statuses: list[str] = [
        engine.app.repository.get(UUID(order_id)).status for order_id in intent.order_ids
    ]
    return f"ACCEPTED, order {', '.join(statuses)}"
