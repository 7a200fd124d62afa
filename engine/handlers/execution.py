"""Execution: send a written-ahead order to its venue and hand the answer on; an order we will
not send (no adapter for its venue, or the adapter refused it before sending) is denied."""

from __future__ import annotations

from datetime import datetime

from engine.agents import Agent
from engine.commands import ApplyVenueReport, DenyOrder, ExecuteOrder, RecordUncertain
from engine.handlers.context import EngineContext
from engine.ids import agent_uuid
from engine.order_states import OrderStatus
from engine.orders import Order
from engine.ports import OrderRequest, VenuePort, VenueRequestDenied, VenueUncertainError
from engine.values import OrderType, Side

NO_VENUE = "NO_VENUE"


def execute(ctx: EngineContext, command: ExecuteOrder) -> None:
    """Send the order if it is still only placed; with no adapter for its venue, deny it."""
    order: Order = ctx.unit.get(command.order_id)
    if order.status != OrderStatus.PLACED:
        return
    venue = ctx.venues.get(order.venue)
    if venue is None:
        detail = f"no adapter for venue {order.venue}"
        ctx.handle(DenyOrder(order.id, reason=NO_VENUE, detail=detail))
        return
    ctx.open_orders.add(order.id)
    send(ctx, order, venue)


def send(ctx: EngineContext, order: Order, venue: VenuePort) -> None:
    """Call the venue (after the write-ahead commit) and record its answer, or that there is
    none (uncertain), or our adapter's refusal (denied)."""
    if venue.durable or not ctx.unit.defer:
        ctx.unit.flush()  # write-ahead: what was decided is stored before the call
    try:
        report = venue.submit(request_of(order), at=ctx.after(order.modified_on))
    except VenueUncertainError as error:
        mark_uncertain(ctx, order, str(error))
        return
    except VenueRequestDenied as denied:
        ctx.handle(DenyOrder(order.id, reason=denied.code, detail=denied.detail))
        return
    ctx.handle(ApplyVenueReport(report))


def deny(ctx: EngineContext, command: DenyOrder) -> None:
    """``Order.OrderDenied`` and the agent's commitment released, as for a rejection."""
    order: Order = ctx.unit.get(command.order_id)
    if order.status in (OrderStatus.PLACED, OrderStatus.UNCERTAIN):
        at = ctx.after(order.modified_on)
        agent: Agent = ctx.unit.get(agent_uuid(order.agent))
        order.deny(reason=command.reason, detail=command.detail, at=at)
        agent.release_commitment(order_id=str(order.id), at=at)
        ctx.unit.add(order, agent)
    ctx.open_orders.discard(order.id)


def record_uncertain(ctx: EngineContext, command: RecordUncertain) -> None:
    """``OrderSubmissionUncertain``, counted towards the agent's circuit breaker."""
    mark_uncertain(ctx, ctx.unit.get(command.order_id), command.error)


def mark_uncertain(ctx: EngineContext, order: Order, error: str) -> None:
    """Record that the venue call for ``order`` has no known outcome."""
    at = ctx.after(order.modified_on)
    order.mark_uncertain(error=error, at=at)
    ctx.unit.add(order)
    count_failure(ctx, order.agent, error, at)


def count_failure(ctx: EngineContext, agent_name: str, error: str, at: datetime) -> None:
    """Count a failed venue call; a tripped breaker is kept for the runner to report."""
    agent: Agent = ctx.unit.get(agent_uuid(agent_name))
    if agent.count_venue_failure(error=error, threshold=ctx.failure_threshold, at=at):
        ctx.breaker_trips.append((agent_name, error))
    ctx.unit.add(agent)


def request_of(order: Order) -> OrderRequest:
    """The order in the words a venue adapter takes."""
    return OrderRequest(
        client_order_id=order.client_order_id,
        venue=order.venue,
        market_id=order.market_id,
        token_id=order.token_id,
        side=Side(order.side),
        order_type=OrderType(order.order_type),
        price=order.price,
        size=order.size,
        account=order.agent,
    )
