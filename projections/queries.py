"""The read queries every surface calls: positions, orders, intents, balances, purchases, the
``why`` trail, the day report and its PnL series.

The CLI's read commands call these functions (and the HTTP API will), so every surface shows
the same rows. A query reads :class:`ReadModels`: the tracked projections, caught up with the
log first (:class:`TrackedReadModels`), or the log folded in memory up to a time
(:class:`FoldedReadModels`, ``--as-of``). Rows are listed by time (placed, received, bought),
ties by id; positions and balances by agent, venue and token.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from projections.audit import Trail
from projections.logs import LogSource
from projections.readstore import Index, Query
from projections.report import DayReport, day_report
from projections.rows import in_time_order, time_key
from projections.tracking import Projector
from projections.views import LogViews
from projections.views.intents import intent_index
from projections.views.orders import order_index
from projections.views.positions import position_index, position_status
from projections.views.purchases import purchase_index

IndexOf = Callable[[dict[str, Any]], Index]


@dataclass(frozen=True)
class Filters:
    """What a read narrows its rows to: an agent, a venue, a status (any case), and a time
    window [since, until] on the time each kind of row is listed by."""

    agent: str | None = None
    venue: str | None = None
    status: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def query(self) -> Query:
        """The store query these filters make."""
        return Query(
            agent=self.agent,
            venue=self.venue,
            status=self.status.upper() if self.status else None,
            since=time_key(self.since) if self.since else None,
            until=time_key(self.until) if self.until else None,
        )


class ReadModels(Protocol):
    """Where queries read the views from."""

    def views(self, names: Sequence[str], query: Query) -> LogViews:
        """The named views, narrowed by ``query`` where a view's tables allow it."""


@dataclass
class TrackedReadModels:
    """The tracked projections: each read catches the views it needs up with the log, then
    reads their rows in one transaction. ``catch_up`` replaces the projector's own (a caller
    that words its errors for its users)."""

    projector: Projector
    catch_up: Callable[[Sequence[str]], int] | None = None

    def _catch_up(self, names: Sequence[str]) -> None:
        if self.catch_up is not None:
            self.catch_up(names)
        else:
            self.projector.catch_up(names)

    def views(self, names: Sequence[str], query: Query) -> LogViews:
        """The named views from their projections, caught up first."""
        self._catch_up(names)
        return self.projector.views(names, query)

    def trail(self, ident: str) -> Trail | None:
        """The trail from the audit projection, caught up first."""
        self._catch_up(["audit"])
        return self.projector.trail(ident)


@dataclass
class FoldedReadModels:
    """The log (or the union of several) folded in memory, up to ``until`` when given: the
    state as it was at that time."""

    logs: LogSource | Sequence[LogSource]
    until: datetime | None = None

    def views(self, names: Sequence[str], query: Query) -> LogViews:
        """Every view, folded from the log (the query is applied by the caller's filters)."""
        return LogViews.build(self.logs, until=self.until)


def _keep(rows: list[dict[str, Any]], query: Query, index: IndexOf) -> list[dict[str, Any]]:
    return [row for row in rows if query.matches(index(row))]


def orders(models: ReadModels, filters: Filters) -> list[dict[str, Any]]:
    """Orders with their status, fills and venue ids, by time placed."""
    query = filters.query()
    views = models.views(["orders"], query)
    return _keep(in_time_order(views.orders.rows, "placed_at"), query, order_index)


def intents(models: ReadModels, filters: Filters) -> list[dict[str, Any]]:
    """Intents with their verdicts and denial reasons, by time received."""
    query = filters.query()
    views = models.views(["intents"], query)
    return _keep(in_time_order(views.intents.rows, "received_at"), query, intent_index)


def positions(
    models: ReadModels, filters: Filters, *, include_closed: bool = False
) -> list[dict[str, Any]]:
    """Positions with average cost, mark, marked PnL and status (OPEN, CLOSED, SETTLED); only
    those holding shares unless ``include_closed`` or a status is asked for."""
    query = filters.query()
    views = models.views(["positions", "marks"], query)
    rows = _keep(views.positions.with_marks(views.marks), query, position_index)
    if not include_closed and filters.status is None:
        rows = [r for r in rows if r["size"] != 0]
    return [{**r, "status": position_status(r)} for r in rows]


def balances(models: ReadModels, filters: Filters) -> list[dict[str, Any]]:
    """Balances per agent and venue, with marked PnL at the latest recorded books and the
    budget left (over all of an agent's venues, whatever the filters)."""
    query = filters.query()
    views = models.views(["balances", "positions", "marks"], Query())
    rows = views.balances.with_marks(views.positions, views.marks)
    return [r for r in rows if query.matches(Index(agent=r["agent"], venue=r["venue"]))]


def purchases(
    models: ReadModels, filters: Filters, *, trader: str | None = None
) -> list[dict[str, Any]]:
    """Buy lots and what consumed them, by time bought; with ``trader``, only the lots bought
    copying that trader (any case)."""
    query = filters.query()
    views = models.views(["purchases"], query)
    rows = _keep(in_time_order(views.purchases.rows, "bought_at"), query, purchase_index)
    if trader is not None:
        rows = [r for r in rows if (r["trader"] or "").lower() == trader.lower()]
    return rows


def why(models: TrackedReadModels, ident: str) -> Trail | None:
    """The trail of the intent an id names (intent id, order id, client or venue order id):
    every check with its values, sizing, book, venue answers and fills, from the audit
    projection (None when no such id was recorded)."""
    return models.trail(ident)


def report(logs: LogSource | Sequence[LogSource], day: date | None = None) -> DayReport:
    """A day's report (the last event's day by default), folded from the log; raises
    ``EmptyLogError`` for a log without events."""
    return day_report(logs, day)


def pnl_series(
    logs: LogSource | Sequence[LogSource], day: date | None = None
) -> dict[str, list[tuple[datetime, Decimal]]]:
    """Each agent's cumulative PnL through a day: (moment, PnL) points, one per moment."""
    return report(logs, day).curve
