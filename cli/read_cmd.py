"""Read commands: ``tape orders``, ``positions``, ``balances``, ``intents`` and ``purchases``
(``tape why`` is ``cli/why_cmd.py``). Each catches the projections it reads up with the log,
then reads their rows; with ``--as-of TIME`` it folds the log up to that time instead (the state
as it was then). With ``--workers N`` (or ``TAPE_WORKERS``) the log is the union of the N engine
workers' logs. The queries themselves are ``projections/queries.py`` (the HTTP API calls the
same); a command parses its options (``cli/read_options.py``), calls one and renders its rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from adapters.bootstrap import open_app
from adapters.redeem.candidates import mark_redeemable
from cli.context import current_settings
from cli.errors import TapeUsageError
from cli.projections_cmd import workers_option
from cli.read_options import (
    agent_option,
    as_of_option,
    json_option,
    print_rows,
    read_models,
    since_option,
    until_option,
    venue_option,
)
from projections import queries
from projections.queries import Filters
from projections.rows import plain


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
    print_rows(rows, columns, as_json)


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
    print_rows(rows, columns, as_json)


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
    print_rows(rows, columns, as_json)


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
    print_rows(rows, columns, as_json)


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
    print_rows(rows, columns, as_json)
