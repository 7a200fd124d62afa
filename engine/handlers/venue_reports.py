"""Venue reports: what a venue says of an order (accepted or rejected, fills, provisional fills
confirmed or voided, closed) goes on the order, the position and the agent's risk book, in one
step; and polling a venue for the reports it holds."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from engine.agents import Agent
from engine.commands import ApplyVenueReport, PollVenue, RunPairs
from engine.handlers.context import EngineContext
from engine.ids import agent_uuid, fill_uuid, order_id_of_client_order_id, position_uuid
from engine.order_states import OrderStatus
from engine.orders import Order
from engine.ports import VenueFill, VenueReport
from engine.positions import Position
from engine.values import Side


class UnknownOrderError(LookupError):
    """Raised when a venue report names an order Tape never placed."""


def poll(ctx: EngineContext, command: PollVenue) -> int:
    """Apply the reports the venue has for us; answers how many."""
    venue = ctx.venues.get(command.venue)
    if venue is None:
        return 0
    reports = venue.poll_reports(at=ctx.clock.now(), accounts=command.accounts)
    if command.accounts is not None:  # a venue that cannot filter by agent: keep our own
        reports = [r for r in reports if _knows_order(ctx, r.client_order_id)]
    for report in reports:
        ctx.handle(ApplyVenueReport(report))
    if reports and ctx.open_pairs:  # a leg's late answer may let its pair go on
        ctx.handle(RunPairs())
    return len(reports)


def _knows_order(ctx: EngineContext, client_order_id: str) -> bool:
    order_id = order_id_of_client_order_id(client_order_id)
    return order_id is not None and ctx.unit.find(order_id) is not None


def apply_report(ctx: EngineContext, command: ApplyVenueReport) -> None:
    """Record the venue's answer; a terminal order releases the agent's commitment."""
    report = command.report
    order_id = order_id_of_client_order_id(report.client_order_id)
    order: Order | None = ctx.unit.find(order_id) if order_id else None
    if order is None:
        raise UnknownOrderError(f"venue reported unknown order {report.client_order_id}")
    at = ctx.after(order.modified_on)
    agent: Agent = ctx.unit.get(agent_uuid(order.agent))
    if not report.accepted:
        if order.status in (OrderStatus.PLACED, OrderStatus.UNCERTAIN):
            order.reject(code=report.reject_code, message=report.reject_message, at=at)
            agent.release_commitment(order_id=str(order.id), at=at)
            ctx.unit.add(order, agent)
        ctx.open_orders.discard(order.id)
        return
    if order.status in (OrderStatus.PLACED, OrderStatus.UNCERTAIN):
        order.accept(venue_order_id=report.venue_order_id or report.client_order_id, at=at)
    seen = set(order.fills) | set(order.voided)
    new_fills = [f for f in report.fills if str(fill_uuid(order.id, f.venue_fill_id)) not in seen]
    position = ctx.unit.find(position_uuid(order.agent, order.venue, order.token_id))
    if position is None and new_fills:
        position = Position.open(
            agent=order.agent,
            venue=order.venue,
            market_id=order.market_id,
            token_id=order.token_id,
            outcome=order.outcome,
            at=at,
        )
    if position is not None:
        for fill in new_fills:
            _book_fill(order, position, agent, fill, at)
        _settle_fills(order, position, agent, report, at)
    if report.closed and not order.is_terminal:
        order.cancel(reason=report.close_reason or "closed by the venue", at=at)
    if order.is_terminal:
        agent.release_commitment(order_id=str(order.id), at=at)
        ctx.open_orders.discard(order.id)
    to_save = [order, agent]
    if position is not None and position.pending_events:
        to_save.append(position)
    ctx.unit.add(*to_save)


def _settle_fills(
    order: Order, position: Position, agent: Agent, report: VenueReport, at: datetime
) -> None:
    """Confirm provisional fills the venue now reports final; void those that failed."""
    for fill in report.fills:
        fill_id = str(fill_uuid(order.id, fill.venue_fill_id))
        known = order.fills.get(fill_id)
        if known is not None and known["provisional"] and not fill.provisional:
            order.confirm_fill(fill_id=fill_id, at=at)
    for venue_fill_id in report.voided_fills:
        fill_id = str(fill_uuid(order.id, venue_fill_id))
        known = order.fills.get(fill_id)
        if known is None or not known["provisional"]:
            continue  # never seen (failed before we saw it), or already final
        order.void_fill(fill_id=fill_id, reason="the venue reports the trade failed", at=at)
        size_change, cost_change, realised_change, fee_change = position.void_fill(
            fill_id=fill_id, at=at
        )
        agent.reverse_fill(
            order_id=str(order.id),
            market_id=order.market_id,
            token_id=order.token_id,
            size_change=size_change,
            cost_change=cost_change,
            realised_pnl_change=realised_change,
            fee_change=fee_change,
            at=at,
        )


def _book_fill(
    order: Order, position: Position, agent: Agent, fill: VenueFill, at: datetime
) -> None:
    """One new fill: on the order, the position (a lot in, or lots out) and the risk book."""
    fill_id = str(fill_uuid(order.id, fill.venue_fill_id))
    if not order.fill(
        fill_id=fill_id,
        venue_fill_id=fill.venue_fill_id,
        price=fill.price,
        size=fill.size,
        fee=fill.fee,
        at=at,
        provisional=fill.provisional,
    ):
        return
    side = Side(order.side)
    change = position.increase if side is Side.BUY else position.reduce
    outcome = change(
        order_id=str(order.id),
        fill_id=fill_id,
        trader=order.source_trader,
        price=fill.price,
        size=fill.size,
        fee=fill.fee,
        at=at,
    )
    if outcome is None:  # a buy: a lot in
        cost_change, realised = fill.price * fill.size + fill.fee, Decimal(0)
    else:  # a sell: lots out at their cost
        cost, realised = outcome
        cost_change = -cost
    agent.book_fill(
        order_id=str(order.id),
        market_id=order.market_id,
        token_id=order.token_id,
        side=side,
        size=fill.size,
        price=fill.price,
        fee=fill.fee,
        cost_change=cost_change,
        realised_pnl=realised,
        at=at,
    )
