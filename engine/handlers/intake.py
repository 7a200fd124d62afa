"""Intake: take an intent in (or note its redelivery), record an unreadable input, and
submit: receive and decide as one step, then send the orders decided.

A signal (a copy intent without ``agent``) is routed here, before anything is decided: it is
taken in as one intent per follower of its trader (``engine.signals``), all in the same step,
so a crash takes in all of them or none; each is then decided on its own."""

from __future__ import annotations

import hashlib
import json
from uuid import UUID

from engine.arbitrage.pair import pair_uuid
from engine.commands import (
    DecideIntent,
    DecidePending,
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
from engine.intent import TradeIntent
from engine.intents import Intent
from engine.signals import address, other_identity

UNFOLLOWED = "unfollowed"
"""The reason a signal no copy agent follows is recorded with (``Feed.InputDenied``)."""


def submit(ctx: EngineContext, command: SubmitIntent) -> Receipt:
    """Taking the intent in and deciding it are one transaction (with the tracking record of
    the upstream event it came from), stored before any venue hears of its orders."""
    intent = command.intent
    with ctx.step(command.tracking):
        if intent.is_signal and ctx.route_signals:
            receipt, placed = _receive_signal(ctx, command, decide=True)
        else:
            receipt = ctx.handle(ReceiveIntent(intent, command.feed, command.line_no))
            placed = ctx.handle(DecideIntent(intent)) if receipt.status == "received" else []
    for order_id in placed:
        ctx.handle(ExecuteOrder(order_id))
    if placed and intent.legs is not None:  # a pair: retry or unwind a leg that filled alone
        ctx.handle(RunPairs((pair_uuid(intent.intent_id),)))
    return receipt


def receive(ctx: EngineContext, command: ReceiveIntent) -> Receipt:
    """``IntentReceived``; a known intent id is ``IntentRedelivered``, nothing more. A signal
    is taken in for each follower of its trader (an engine that routes signals)."""
    intent = command.intent
    if intent.is_signal and ctx.route_signals:
        return _receive_signal(ctx, command, decide=False)[0]
    wire = intent.to_wire()
    at = ctx.clock.now()
    existing = _known(ctx, intent)
    if existing is not None:
        existing.redelivered(feed=command.feed, line_no=command.line_no, intent=wire, at=at)
        ctx.unit.add(existing)
        return Receipt(intent.intent_id, "duplicate", (existing.intent_id,))
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


def _known(ctx: EngineContext, intent: TradeIntent) -> Intent | None:
    # The intent's own record, or the agent's record of the same copy trade under the other id
    # (a signal addressed to it, or the same trade sent to it by name): one trade, one verdict.
    found: Intent | None = ctx.unit.find(intent_uuid(intent.intent_id))
    if found is not None:
        return found
    other = other_identity(intent)
    if other is None:
        return None
    record: Intent | None = ctx.unit.find(intent_uuid(other))
    if record is not None and record.intent.get("agent") == intent.agent:
        return record
    return None


def _receive_signal(
    ctx: EngineContext, command: ReceiveIntent | SubmitIntent, *, decide: bool
) -> tuple[Receipt, list[UUID]]:
    """One intent per follower (``IntentReceived``, or ``IntentRedelivered`` for a follower
    that has it already), each decided right after it is taken in when ``decide`` (so the
    log reads as if the followers' intents had come one after the other, which is how replay
    takes them); with no follower, ``Feed.InputDenied`` (reason ``unfollowed``). Answers the
    receipt and the orders written ahead."""
    signal = command.intent
    trader = signal.source.trader or ""
    followers = ctx.roster.followers(ctx.app, ctx.unit, trader)
    if not followers:
        ctx.handle(
            RecordUnreadableInput(
                command.feed,
                command.line_no,
                f"{UNFOLLOWED}: no copy agent follows trader {trader} "
                f"(intent {signal.intent_id[:120]})",
                signal_digest(signal),
            )
        )
        return Receipt(signal.intent_id, "unfollowed"), []
    receipts, placed = [], []
    for agent in followers:
        receipt = receive(ctx, ReceiveIntent(address(signal, agent), command.feed, command.line_no))
        receipts.append(receipt)
        if decide:
            placed += [o for i in receipt.to_decide for o in ctx.handle(DecidePending(i))]
    new = any(r.status == "received" for r in receipts)
    taken = tuple(i for r in receipts for i in r.to_decide)
    return Receipt(signal.intent_id, "received" if new else "duplicate", taken), placed


def signal_digest(intent: TradeIntent) -> str:
    """A short digest that identifies an intent without storing it (as a bad line's)."""
    text = json.dumps(intent.to_wire(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
