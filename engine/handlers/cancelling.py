"""Cancelling: an open order's venue is asked to cancel it and its answer is applied like any
venue report (``OrderCanceled`` and the commitment released); a halt cancels every open order
of its agent."""

from __future__ import annotations

from collections import Counter

from engine.commands import ApplyVenueReport, CancelAgentOrders, CancelOrder
from engine.handlers.context import EngineContext
from engine.handlers.execution import count_failure
from engine.handlers.order_lookup import open_order_at_venue
from engine.ports import VenueUncertainError


def cancel_agent_orders(ctx: EngineContext, command: CancelAgentOrders) -> dict[str, int]:
    """Each open order of the agent, cancelled in a step of its own; answers action -> orders
    (orders of other agents are not counted)."""
    done = Counter(
        ctx.handle(CancelOrder(order_id, agent=command.agent))
        for order_id in sorted(ctx.open_orders)
    )
    done.pop("other agent", None)
    return dict(done)


def cancel(ctx: EngineContext, command: CancelOrder) -> str:
    """Answers: other agent, terminal, no venue, venue unreachable, unknown at venue, canceled
    (the venue closed it) or applied (it had filled or closed before)."""
    found = open_order_at_venue(ctx, command.order_id, agent=command.agent)
    if isinstance(found, str):
        return found
    order, venue, at = found.order, found.venue, found.at
    try:
        report = venue.cancel(order.client_order_id, at=at)
    except VenueUncertainError as error:
        count_failure(ctx, order.agent, str(error), at)
        return "venue unreachable"
    if report is None:
        return "unknown at venue"
    ctx.handle(ApplyVenueReport(report))
    return "canceled" if report.closed and not report.fills else "applied"
