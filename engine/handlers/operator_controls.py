"""Operator controls: a cancel request recorded beside its order, and a market resolution seen
live recorded as an input and settled like a day file's ``resolution`` record."""

from __future__ import annotations

from datetime import datetime

from engine.commands import ApplyVenueReport, ExpireOrder, RequestCancel, ResolveMarket
from engine.handlers.context import EngineContext
from engine.handlers.execution import count_failure
from engine.handlers.order_lookup import open_order_at_venue
from engine.ids import reconciliation_uuid, resolution_uuid
from engine.ingest_records import MarketResolution
from engine.order_states import OrderStatus
from engine.orders import Order
from engine.ports import VenueReport, VenueUncertainError
from engine.reconciliations import Reconciliation
from engine.settlement import Settlement, settle_market


def request_cancel(ctx: EngineContext, command: RequestCancel) -> str:
    """Answers: other agent, terminal, no venue, venue unreachable (the order stays open and
    the next request or reconciliation asks again), expired (the venue never received it: it
    is never sent now), canceled (closed at the venue), or still open."""
    found = open_order_at_venue(ctx, command.order_id, agent=command.agent)
    if isinstance(found, str):
        return found
    order, venue, at = found.order, found.venue, found.at
    record = ctx.unit.find(reconciliation_uuid(str(order.id))) or Reconciliation.open(
        order_id=str(order.id), venue=order.venue, client_order_id=order.client_order_id, at=at
    )
    action = f"cancel ({command.reason})"
    try:
        report = venue.cancel(order.client_order_id, at=at)
    except VenueUncertainError as error:
        record.reported(
            found=False, venue_status="NO ANSWER", fills=0, action=f"{action}: ask again", at=at
        )
        ctx.unit.add(record)
        count_failure(ctx, order.agent, str(error), at)
        return "venue unreachable"
    if report is None:
        return _never_received(ctx, order, record, action, at)
    record.reported(
        found=True, venue_status=_status(report), fills=len(report.fills), action=action, at=at
    )
    ctx.unit.add(record)
    ctx.handle(ApplyVenueReport(report))
    return "canceled" if report.closed else "still open"


def _status(report: VenueReport) -> str:
    if not report.accepted:
        return "REJECTED"
    return "CLOSED" if report.closed else "OPEN"


def _never_received(
    ctx: EngineContext, order: Order, record: Reconciliation, action: str, at: datetime
) -> str:
    record.reported(
        found=False, venue_status="UNKNOWN", fills=0, action=f"{action}: never sent", at=at
    )
    ctx.unit.add(record)
    if OrderStatus(order.status) in (OrderStatus.PLACED, OrderStatus.UNCERTAIN):
        # written ahead but never received: expiring it keeps recovery from sending it later
        ctx.handle(ExpireOrder(order.id, reason=f"{action}: the venue never received it"))
        return "expired"
    return "unknown at venue"


def resolve_market(ctx: EngineContext, command: ResolveMarket) -> Settlement:
    """``MarketResolved`` the first time a market's resolution is seen, then ``settle_market``
    in the same transaction (the positions are found in the log, so what is deferred is
    committed first). Settling again settles only what was bought since (usually nothing)."""
    ctx.unit.flush()
    at = command.at or ctx.clock.now()
    if ctx.unit.find(resolution_uuid(command.venue, command.market_id)) is None:
        ctx.unit.add(
            MarketResolution.resolve(
                venue=command.venue,
                market_id=command.market_id,
                winning_token_id=command.winning_token_id,
                at=at,
            )
        )
    return settle_market(
        ctx.app,
        venue=command.venue,
        market_id=command.market_id,
        winning_token_id=command.winning_token_id,
        at=at,
        unit=ctx.unit,
    )
