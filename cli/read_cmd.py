"""Read commands: ``tape orders``, ``positions``, ``balances``, ``intents``, ``purchases`` and
``why``. Each catches the projections it reads up with the log, then reads their rows; with
``--as-of TIME`` it folds the log up to that time instead (the state as it was then). With
``--workers N`` (or ``TAPE_WORKERS``) the log is the union of the N engine workers' logs.
The queries themselves are ``projections/queries.py`` (the HTTP API calls the same); a command
parses its options, calls one and renders its rows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import click

from adapters.bootstrap import open_app
from adapters.redeem.candidates import mark_redeemable
from adapters.settings import Settings
from cli.context import current_settings, pass_settings
from cli.discover_cmd import explain_candidate
from cli.errors import TapeUsageError
from cli.projections_cmd import catch_up, open_projector, open_upstreams, workers_option
from cli.render import table, to_json, why_tree
from engine.signals import ADDRESS_SEPARATOR
from projections import queries
from projections.audit import Trail
from projections.queries import Filters, FoldedReadModels, ReadModels, TrackedReadModels
from projections.rows import plain


class TimeParam(click.ParamType):
    """An RFC 3339 time (``2026-01-30T14:05:00Z``; no zone means UTC) or a date. A date alone
    means the start of that day, or with ``end_of_day`` its end."""

    name = "TIME"

    def __init__(self, *, end_of_day: bool) -> None:
        self.end_of_day = end_of_day

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Parse the option's text."""
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            if len(text) == 10:  # YYYY-MM-DD
                day = datetime.fromisoformat(text).date()
                moment = datetime.combine(day, time(), tzinfo=UTC)
                return moment + timedelta(days=1, microseconds=-1) if self.end_of_day else moment
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            self.fail(f"{text!r} is not a time (2026-01-30T14:05:00Z) or a date (2026-01-30)")
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


json_option = click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
agent_option = click.option("--agent", default=None, help="Only this agent.")
venue_option = click.option("--venue", default=None, help="Only this venue.")
as_of_option = click.option(
    "--as-of",
    "as_of",
    type=TimeParam(end_of_day=True),
    default=None,
    help="The state as it was at TIME, folded from the log (a date means its end).",
)
since_option = click.option(
    "--since", type=TimeParam(end_of_day=False), default=None, help="Only rows from TIME on."
)
until_option = click.option(
    "--until",
    type=TimeParam(end_of_day=True),
    default=None,
    help="Only rows up to TIME (a date means its end).",
)


def read_models(as_of: datetime | None, workers: int | None = None) -> ReadModels:
    """Where a read command reads: the log folded up to ``as_of``, or the projections caught
    up with it (over the workers' logs with ``workers``)."""
    if as_of is not None:
        apps, _ = open_upstreams(workers)
        return FoldedReadModels(apps, until=as_of)
    return tracked_read_models(workers)


def tracked_read_models(workers: int | None = None) -> TrackedReadModels:
    """The projections of the store the environment names, each read catching up first (a
    projection folded from other logs being a usage error)."""
    apps, storage = open_upstreams(workers)
    projector = open_projector(apps, storage)
    return TrackedReadModels(projector, catch_up=lambda names: catch_up(projector, names))


def _print(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    click.echo(to_json(rows) if as_json else table(rows, columns))


@click.command()
@agent_option
@venue_option
@click.option("--status", default=None, help="Only orders in this status (FILLED, CANCELED...).")
@since_option
@until_option
@as_of_option
@workers_option
@json_option
def orders(
    *,
    agent: str | None,
    venue: str | None,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime | None,
    workers: int | None,
    as_json: bool,
) -> None:
    """Orders with their status, fills and venue ids (--since/--until: time placed)."""
    filters = Filters(agent=agent, venue=venue, status=status, since=since, until=until)
    rows = queries.orders(read_models(as_of, workers), filters)
    columns = [
        "order_id",
        "agent",
        "venue",
        "side",
        "order_type",
        "price",
        "size",
        "filled",
        "status",
        "venue_order_id",
        "intent_id",
    ]
    _print(rows, columns, as_json)


@click.command()
@agent_option
@venue_option
@click.option("--status", default=None, help="Only positions OPEN, CLOSED or SETTLED.")
@click.option("--all", "show_all", is_flag=True, help="Include closed and settled positions.")
@as_of_option
@workers_option
@json_option
def positions(
    *,
    agent: str | None,
    venue: str | None,
    status: str | None,
    show_all: bool,
    as_of: datetime | None,
    workers: int | None,
    as_json: bool,
) -> None:
    """Positions: size, average cost, realised and marked PnL per agent, venue and token."""
    filters = Filters(agent=agent, venue=venue, status=status)
    rows = queries.positions(read_models(as_of, workers), filters, include_closed=show_all)
    columns = [
        "agent",
        "venue",
        "token_id",
        "outcome",
        "size",
        "avg_cost",
        "mark",
        "realised_pnl",
        "marked_pnl",
    ]
    live = as_of is None and workers is None  # winning shares settled live: tape redeem
    if live and mark_redeemable(rows, lambda: open_app(current_settings())[0]):
        columns.append("redeem")
    _print(rows, columns, as_json)


@click.command()
@agent_option
@venue_option
@as_of_option
@workers_option
@json_option
def balances(
    agent: str | None,
    venue: str | None,
    as_of: datetime | None,
    workers: int | None,
    as_json: bool,
) -> None:
    """Balances per agent and venue: cash (received less paid, fees included), committed to
    open orders, fees, realised PnL, marked PnL at the latest recorded books, budget left."""
    rows = queries.balances(read_models(as_of, workers), Filters(agent=agent, venue=venue))
    columns = [
        "agent",
        "venue",
        "cash",
        "committed",
        "fees",
        "realised_pnl",
        "marked_pnl",
        "holdings_cost",
        "budget_left",
    ]
    _print(rows, columns, as_json)


@click.command()
@agent_option
@venue_option
@click.option("--denied", is_flag=True, help="Only denied intents.")
@click.option("--status", default=None, help="Only intents with this verdict (ACCEPTED...).")
@since_option
@until_option
@as_of_option
@workers_option
@json_option
def intents(
    *,
    agent: str | None,
    venue: str | None,
    denied: bool,
    status: str | None,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime | None,
    workers: int | None,
    as_json: bool,
) -> None:
    """Intents with their verdicts and denial reasons (--since/--until: time received)."""
    if denied and status and status.upper() != "DENIED":
        raise TapeUsageError("--denied and --status disagree")
    verdict = "DENIED" if denied else status
    filters = Filters(agent=agent, venue=venue, status=verdict, since=since, until=until)
    rows = queries.intents(read_models(as_of, workers), filters)
    columns = ["intent_id", "agent", "side", "price", "size", "verdict", "reason", "redeliveries"]
    _print(rows, columns, as_json)


def _consumed(lot: dict[str, Any]) -> str:
    parts = [f"{c['kind']} {plain(c['size'])} @ {plain(c['price'])}" for c in lot["consumed"]]
    return "; ".join(parts) or "-"


@click.command()
@agent_option
@venue_option
@click.option("--status", default=None, help="Only lots OPEN, CLOSED or SETTLED.")
@click.option("--trader", default=None, help="Only lots bought copying this trader.")
@since_option
@until_option
@as_of_option
@workers_option
@json_option
def purchases(
    *,
    agent: str | None,
    venue: str | None,
    status: str | None,
    trader: str | None,
    since: datetime | None,
    until: datetime | None,
    as_of: datetime | None,
    workers: int | None,
    as_json: bool,
) -> None:
    """Purchase history: every buy lot (price, size, fee, trader copied, order) and how later
    sells and settlements consumed it, first in first out (--since/--until: time bought)."""
    filters = Filters(agent=agent, venue=venue, status=status, since=since, until=until)
    rows = queries.purchases(read_models(as_of, workers), filters, trader=trader)
    if not as_json:
        rows = [{**r, "consumed_by": _consumed(r)} for r in rows]
    columns = [
        "lot",
        "agent",
        "token_id",
        "trader",
        "price",
        "size",
        "fee",
        "bought_at",
        "remaining",
        "realised_pnl",
        "status",
        "consumed_by",
    ]
    _print(rows, columns, as_json)


@click.command()
@click.argument("ident")
@workers_option
@json_option
@pass_settings
def why(settings: Settings, ident: str, workers: int | None, as_json: bool) -> None:
    """Why an order or intent happened: every check with its values, sizing, book, venue
    answers and fills. IDENT is an order id, an intent id, or a client or venue order id;
    or a wallet `tape discover` scored (its rank or filter, explained)."""
    models = tracked_read_models(workers)
    trail = queries.why(models, ident)
    trails = [trail] if trail is not None else _signal_trails(models, ident)
    if not trails:
        if explain_candidate(settings, ident, as_json=as_json):
            return
        raise TapeUsageError(f"no order or intent with id {ident!r} in the store")
    if as_json:
        data = [t.to_json() for t in trails]
        click.echo(to_json(data[0] if trail is not None else data))
    else:
        click.echo("\n\n".join(why_tree(t) for t in trails))


def _signal_trails(models: TrackedReadModels, signal_id: str) -> list[Trail]:
    # A signal (no agent) was decided as one intent per follower, <signal id>@<agent>: each.
    prefix = signal_id + ADDRESS_SEPARATOR
    rows = queries.intents(models, Filters())
    found = [queries.why(models, r["intent_id"]) for r in rows if r["intent_id"].startswith(prefix)]
    return [t for t in found if t is not None]
