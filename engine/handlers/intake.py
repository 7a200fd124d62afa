"""Intake: take an intent in (or note its redelivery), record an unreadable input, and
submit: receive and decide as one step, then send the orders decided."""

from __future__ import annotations

from engine.arbitrage.pair import pair_uuid
from engine.commands import (
    DecideIntent,
    ExecuteOrder,
    Receipt,
    ReceiveIntent,
    RecordUnreadableInput,
    RunPairs,
    SubmitIntent,
)
from engine.feeds import Feed
from engine.handlers.context import EngineContext
from engine.ids import feed_uuid, intent_uuid
from engine.intents import Intent


def submit(ctx: EngineContext, command: SubmitIntent) -> Receipt:
    """Taking the intent in and deciding it are one transaction (with the tracking record of
    the upstream event it came from), stored before any venue hears of its orders."""
    intent = command.intent
    with ctx.step(command.tracking):
        receipt = ctx.handle(ReceiveIntent(intent, feed=command.feed, line_no=command.line_no))
        placed = ctx.handle(DecideIntent(intent)) if receipt.status == "received" else []
    for order_id in placed:
        ctx.handle(ExecuteOrder(order_id))
    if placed and intent.legs is not None:  # a pair: retry or unwind a leg that filled alone
        ctx.handle(RunPairs((pair_uuid(intent.intent_id),)))
    return receipt


def receive(ctx: EngineContext, command: ReceiveIntent) -> Receipt:
    """``IntentReceived``; a known intent id is ``IntentRedelivered``, nothing more."""
    intent = command.intent
    wire = intent.to_wire()
    at = ctx.clock.now()
    existing = ctx.unit.find(intent_uuid(intent.intent_id))
    if existing is not None:
        existing.redelivered(feed=command.feed, line_no=command.line_no, intent=wire, at=at)
        ctx.unit.add(existing)
        return Receipt(intent.intent_id, "duplicate")
    ctx.unit.add(
        Intent.receive(
            intent_id=intent.intent_id,
            intent=wire,
            feed=command.feed,
            line_no=command.line_no,
            at=at,
        )
    )
    return Receipt(intent.intent_id, "received")


def record_unreadable_input(ctx: EngineContext, command: RecordUnreadableInput) -> None:
    """``Feed.InputDenied`` on the feed's record (opened on its first bad line)."""
    at = ctx.clock.now()
    record = ctx.unit.find(feed_uuid(command.feed)) or Feed.open(source=command.feed, at=at)
    record.deny(line_no=command.line_no, reason=command.reason, digest=command.digest, at=at)
    ctx.unit.add(record)
