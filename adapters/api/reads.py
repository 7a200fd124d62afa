"""The read models over HTTP: positions, orders, intents, balances, purchases, ``why`` and the
PnL series, each through the same query the CLI calls (``projections/queries.py``), with the
CLI's filters as query parameters (``limit``: only the last N rows)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar, cast

from fastapi import APIRouter, Query

from adapters.api.context import ApiContext
from adapters.api.errors import ApiError
from projections import queries
from projections.queries import Filters
from projections.report import EmptyLogError
from projections.rows import plain as _plain

BUCKETS = {"raw": None, "1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86400}
MAX_LIMIT = 100_000


_T = TypeVar("_T")


def _json(value: _T) -> _T:
    """JSON-ready data (Decimals as exact strings, times as RFC 3339), shaped as given."""
    return cast("_T", _plain(value))


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _filters(
    agent: str | None,
    venue: str | None,
    status: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Filters:
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since > until:
        raise ApiError(422, "since: must not be after until")
    return Filters(agent=agent, venue=venue, status=status, since=since, until=until)


def _last(rows: list[dict[str, Any]], limit: int | None) -> list[dict[str, Any]]:
    return _json(rows[-limit:] if limit else rows)


def bucketed(
    points: list[tuple[datetime, Decimal]], seconds: int | None
) -> list[tuple[datetime, Decimal]]:
    """The last point of each bucket of ``seconds`` (all points when None), at the bucket's
    end: the PnL as it stood then."""
    if seconds is None:
        return points
    out: dict[datetime, Decimal] = {}
    for moment, value in points:
        epoch = moment.timestamp()
        end = -(-epoch // seconds) * seconds  # the bucket's end: epoch rounded up
        out[datetime.fromtimestamp(end, tz=UTC)] = value
    return sorted(out.items())


Agent = Query(None, description="Only this agent.")
Venue = Query(None, description="Only this venue.")
Since = Query(None, description="Only rows from this time on (RFC 3339).")
Until = Query(None, description="Only rows up to this time (RFC 3339).")
Day = Query(None, description="The UTC day (the last event's by default).")
Limit = Query(None, ge=1, le=MAX_LIMIT, description="Only the last N rows.")


def router(ctx: ApiContext) -> APIRouter:
    """The read routes under ``/api/v1``."""
    api = APIRouter(prefix="/api/v1", tags=["read models"])

    @api.get("/positions")
    def positions(
        *,
        agent: str | None = Agent,
        venue: str | None = Venue,
        status: str | None = Query(None, description="OPEN, CLOSED or SETTLED."),
        all_positions: bool = Query(False, alias="all", description="Closed ones too."),
    ) -> list[dict[str, Any]]:
        """Positions: size, average cost, mark, realised and marked PnL."""
        filters = _filters(agent, venue, status)
        return _json(
            ctx.read(lambda m: queries.positions(m, filters, include_closed=all_positions))
        )

    @api.get("/orders")
    def orders(
        *,
        agent: str | None = Agent,
        venue: str | None = Venue,
        status: str | None = Query(None, description="FILLED, CANCELED, DENIED..."),
        since: datetime | None = Since,
        until: datetime | None = Until,
        limit: int | None = Limit,
    ) -> list[dict[str, Any]]:
        """Orders with their status, fills and venue ids, by time placed."""
        filters = _filters(agent, venue, status, since, until)
        return _last(ctx.read(lambda m: queries.orders(m, filters)), limit)

    @api.get("/intents")
    def intents(
        *,
        agent: str | None = Agent,
        venue: str | None = Venue,
        status: str | None = Query(None, description="ACCEPTED or DENIED."),
        denied: bool = Query(False, description="Only denied intents."),
        since: datetime | None = Since,
        until: datetime | None = Until,
        limit: int | None = Limit,
    ) -> list[dict[str, Any]]:
        """Intents with their verdicts and denial reasons, by time received."""
        if denied and status and status.upper() != "DENIED":
            raise ApiError(422, "denied and status disagree")
        filters = _filters(agent, venue, "DENIED" if denied else status, since, until)
        return _last(ctx.read(lambda m: queries.intents(m, filters)), limit)

    @api.get("/balances")
    def balances(*, agent: str | None = Agent, venue: str | None = Venue) -> list[dict[str, Any]]:
        """Balances per agent and venue: cash, committed, fees, PnL, budget left."""
        filters = _filters(agent, venue)
        return _json(ctx.read(lambda m: queries.balances(m, filters)))

    @api.get("/purchases")
    def purchases(
        *,
        agent: str | None = Agent,
        venue: str | None = Venue,
        status: str | None = Query(None, description="OPEN, CLOSED or SETTLED."),
        trader: str | None = Query(None, description="Only lots bought copying this trader."),
        since: datetime | None = Since,
        until: datetime | None = Until,
        limit: int | None = Limit,
    ) -> list[dict[str, Any]]:
        """Buy lots and what consumed them, by time bought."""
        filters = _filters(agent, venue, status, since, until)
        return _last(ctx.read(lambda m: queries.purchases(m, filters, trader=trader)), limit)

    @api.get("/why/{ident}")
    def why(ident: str) -> dict[str, Any]:
        """The ``why`` trail of an intent or order id (client or venue order id too)."""
        trail = ctx.read(lambda m: queries.why(m, ident))
        if trail is None:
            raise ApiError(404, f"no order or intent with id {ident!r}")
        return trail.to_json()

    @api.get("/pnl")
    def pnl(
        *,
        agent: str | None = Agent,
        bucket: str = Query("raw", description="raw, 1m, 5m, 15m, 1h or 1d."),
        day: date | None = Day,
    ) -> dict[str, Any]:
        """Each agent's cumulative PnL through a day (the series the chart draws)."""
        if bucket not in BUCKETS:
            raise ApiError(422, f"bucket: one of {', '.join(BUCKETS)}")
        if day is not None and not date(1970, 1, 1) <= day <= date(9998, 12, 31):
            raise ApiError(422, "day: out of range")
        try:
            report = ctx.read(lambda _m: queries.report(ctx.logs, day))
        except EmptyLogError:
            return {"day": None, "bucket": bucket, "series": {}}
        series = {
            name: bucketed(points, BUCKETS[bucket])
            for name, points in report.curve.items()
            if agent is None or name == agent
        }
        return {
            "day": report.day.isoformat(),
            "bucket": bucket,
            "series": {
                name: [[_json(t), _json(v)] for t, v in pts] for name, pts in series.items()
            },
        }

    return api
