"""The first steps every handler that asks a venue about one order takes: the order, whether
it is still open (and the asking agent's), its venue and the time to ask at."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from engine.handlers.context import EngineContext
from engine.orders import Order
from engine.ports import VenuePort


@dataclass(frozen=True)
class OpenOrder:
    """An open order, the venue that holds it, and the engine's time to ask it at."""

    order: Order
    venue: VenuePort
    at: datetime


def open_order_at_venue(
    ctx: EngineContext, order_id: UUID, *, agent: str | None = None
) -> OpenOrder | str:
    """The order at its venue, or the answer that ends the handler: ``other agent`` (it is
    not ``agent``'s), ``terminal`` (no longer open) or ``no venue`` (none is wired)."""
    order: Order = ctx.unit.get(order_id)
    if agent is not None and order.agent != agent:
        return "other agent"
    if order.is_terminal:
        ctx.open_orders.discard(order.id)
        return "terminal"
    venue = ctx.venues.get(order.venue)
    if venue is None:
        return "no venue"
    return OpenOrder(order, venue, ctx.after(order.modified_on))
