"""Recovery at start-up: reconcile every order the log shows not terminal (oldest first), then
submit the intents a strategy gave that were never taken in, decide the intents received
without a verdict, and send their orders; then let every open arbitrage pair go on."""

from __future__ import annotations

from collections import Counter

from engine.commands import (
    DecidePending,
    ExecuteOrder,
    Recover,
    Recovery,
    RunPairs,
    SubmitIntent,
)
from engine.handlers.context import EngineContext
from engine.handlers.pairs import open_pairs_in
from engine.handlers.reconciliation import reconcile_one
from engine.intent import parse_intent
from engine.ports import InputClock
from engine.recovery import find_pending_work


def recover(ctx: EngineContext, _: Recover) -> Recovery:
    """Finish what a crash left (see ``engine.recovery`` for how it is found)."""
    work = find_pending_work(ctx.app)
    ctx.open_orders.clear()
    ctx.open_orders.update(work.open_orders)
    oldest_first = sorted(work.open_orders, key=lambda o: (work.open_orders[o], o))
    actions = Counter(reconcile_one(ctx, order_id) for order_id in oldest_first)
    decided = 0
    for intent, feed, line_no, at in work.unreceived.values():
        # a strategy's intent whose step was lost after its market event's was committed,
        # taken in at the market event's time and line, as it would have been
        if isinstance(ctx.clock, InputClock):
            ctx.clock.set(at, line_no)
        ctx.handle(SubmitIntent(parse_intent(intent), feed=feed, line_no=line_no))
        decided += 1
    for key, intent_id in work.undecided.items():
        at, line = work.received[key]
        if line and isinstance(ctx.clock, InputClock):
            # Decided at its own place in the day: a venue that follows the day's lines (the
            # paper venue process) shows the books of that line, as it did before the crash.
            ctx.clock.set(at, line)
        for order_id in ctx.handle(DecidePending(intent_id)):
            ctx.handle(ExecuteOrder(order_id))
        decided += 1
    ctx.open_pairs.update(open_pairs_in(ctx.app))
    if ctx.open_pairs:  # pairs whose legs were answered before the crash, or just now
        ctx.handle(RunPairs())
    return Recovery(dict(work.feed_positions), dict(actions), decided)
