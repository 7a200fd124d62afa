"""Buffering small copies in the deciding step of an agent that aggregates (the rules are
``engine/aggregation.py``): its buffer, the sweep of buckets whose window ended, a copy put in
its bucket, and a bucket emptied into the order that carries it. Every change is saved with
the intent's verdict, in the same step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.agents import Agent
from engine.aggregation import WINDOW_ENDED, Buffered, PendingCopies, buffer_key, window_ended
from engine.copy_buffer import CopyBuffer
from engine.decision import Decision
from engine.handlers.context import EngineContext
from engine.ids import copy_buffer_uuid
from engine.intent import TradeIntent
from engine.intents import Intent
from engine.orders import Order
from engine.values import Book, Side


def copy_buffer(ctx: EngineContext, agent: Agent | None, intent: TradeIntent) -> CopyBuffer | None:
    """The agent's buffer when it aggregates (None before its first buffered copy)."""
    if agent is None or not agent.config.aggregate_small:
        return None
    found: CopyBuffer | None = ctx.unit.find(copy_buffer_uuid(intent.addressed_agent))
    return found


def sweep(
    agent: Agent | None,
    buffer: CopyBuffer | None,
    intent: TradeIntent,
    now: datetime,
    to_save: list[Any],
) -> PendingCopies | None:
    """Expire the agent's buckets whose window has ended; answer this buy's bucket (None when
    aggregation does not decide this intent: the agent does not aggregate, or a sell)."""
    if agent is None or not agent.config.aggregate_small:
        return None
    window = agent.config.aggregation_window_s
    if buffer is not None:
        for key in buffer.waiting_keys():
            waiting = buffer.pending(key)
            if window_ended(waiting, now, window):
                buffer.expire(pending=waiting, reason=WINDOW_ENDED, at=now)
                if buffer not in to_save:
                    to_save.append(buffer)
    if intent.side is not Side.BUY:
        return None
    key = buffer_key(intent.venue, intent.token_id, intent.side)
    return buffer.pending(key) if buffer is not None else PendingCopies(key, ())


def buffer_copy(  # noqa: PLR0917
    record: Intent,
    buffer: CopyBuffer | None,
    intent: TradeIntent,
    decision: Decision,
    book: Book | None,
    now: datetime,
    to_save: list[Any],
) -> None:
    """The intent's verdict is "buffered"; its copy joins its bucket."""
    if buffer is None:
        buffer = CopyBuffer.open(agent=intent.addressed_agent, at=now)
    if decision.sizing is None or book is None or decision.carried is None:
        raise ValueError("a buffered decision without its sizing, book or bucket")
    record.buffer(
        key=decision.carried.key,
        checks=decision.check_records(),
        sizing=decision.sizing.to_record(),
        book=book.to_record(),
        at=now,
    )
    buffer.buffer(
        key=decision.carried.key,
        venue=intent.venue,
        market_id=intent.market_id,
        token_id=intent.token_id,
        side=intent.side.value,
        copy=Buffered(intent.intent_id, decision.sizing.size, intent.price),
        min_size=book.min_size,
        at=now,
    )
    if buffer not in to_save:
        to_save.append(buffer)


def flush(  # noqa: PLR0917
    buffer: CopyBuffer | None,
    intent: TradeIntent,
    decision: Decision,
    order: Order,
    now: datetime,
    to_save: list[Any],
) -> None:
    """An accepted order that carries buffered copies empties their bucket."""
    carried = decision.carried
    if carried is None or not carried.entries or buffer is None or decision.order is None:
        return
    buffer.flush(
        pending=carried,
        intent_id=intent.intent_id,
        order_id=str(order.id),
        order_size=decision.order.size,
        vwap=decision.source_price if decision.source_price is not None else intent.price,
        at=now,
    )
    if buffer not in to_save:
        to_save.append(buffer)
