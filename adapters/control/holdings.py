"""What the operator controls read of the log: the orders still open and the positions still
held, found through the log's ``OrderPlaced`` and ``PositionOpened`` events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from eventsourcing.utils import get_topic

from engine.application import TapeApplication
from engine.orders import Order
from engine.positions import Position

PAGE = 1000


def events_of(app: TapeApplication, event_class: type) -> Iterator[Any]:
    """Every event of one class in the log, in log order (read by topic)."""
    topic = get_topic(event_class)
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=PAGE, topics=[topic])
        if not page:
            return
        for notification in page:
            yield app.mapper.to_domain_event(notification)
        start = page[-1].id + 1


def open_orders(
    app: TapeApplication, *, agent: str | None = None, ids: Iterable[Any] | None = None
) -> list[Order]:
    """The orders not yet terminal (of ``agent`` when given), oldest first; ``ids``: look only
    at these (an engine's own open orders), else at every order the log placed."""
    if ids is None:
        ids = [
            e.originator_id
            for e in events_of(app, Order.OrderPlaced)
            if agent is None or e.agent == agent
        ]
    found: list[Order] = [app.repository.get(order_id) for order_id in ids]
    return sorted(
        (o for o in found if not o.is_terminal and (agent is None or o.agent == agent)),
        key=lambda o: (o.created_on, str(o.id)),
    )


def open_positions(app: TapeApplication, *, agent: str | None = None) -> list[Position]:
    """The positions that hold shares (of ``agent`` when given), in the order they opened."""
    ids = [
        e.originator_id
        for e in events_of(app, Position.PositionOpened)
        if agent is None or e.agent == agent
    ]
    positions: list[Position] = [app.repository.get(position_id) for position_id in ids]
    return [p for p in positions if p.size > 0]


def held_markets(app: TapeApplication) -> dict[tuple[str, str], set[str]]:
    """(venue, market) -> the tokens held in it, over every agent: the markets whose
    resolution matters now."""
    markets: dict[tuple[str, str], set[str]] = {}
    for position in open_positions(app):
        markets.setdefault((position.venue, position.market_id), set()).add(position.token_id)
    return markets
