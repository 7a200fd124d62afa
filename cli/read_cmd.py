"""Read commands: ``tape orders``, ``positions``, ``intents`` and ``why``."""

from __future__ import annotations

from typing import Any

import click

from cli.errors import TapeUsageError
from cli.render import table, to_json, why_tree
from cli.wiring import open_app
from projections.audit import find_trail
from projections.views import LogViews

json_option = click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
agent_option = click.option("--agent", default=None, help="Only this agent.")
venue_option = click.option("--venue", default=None, help="Only this venue.")


def _keep(rows: list[dict[str, Any]], **wanted: Any) -> list[dict[str, Any]]:
    return [r for r in rows if all(v is None or r.get(k) == v for k, v in wanted.items())]


def _print(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    click.echo(to_json(rows) if as_json else table(rows, columns))


@click.command()
@agent_option
@venue_option
@click.option("--status", default=None, help="Only orders in this status (FILLED, CANCELED...).")
@json_option
def orders(agent: str | None, venue: str | None, status: str | None, as_json: bool) -> None:
    """Orders with their status, fills and venue ids."""
    app, _ = open_app()
    rows = sorted(LogViews.build(app).orders.rows.values(), key=lambda r: r["log_position"])
    rows = _keep(rows, agent=agent, venue=venue, status=status.upper() if status else None)
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
@click.option("--all", "show_all", is_flag=True, help="Include closed (zero) positions.")
@json_option
def positions(agent: str | None, venue: str | None, show_all: bool, as_json: bool) -> None:
    """Positions: size, average cost, realised and marked PnL per agent, venue and token."""
    app, _ = open_app()
    views = LogViews.build(app)
    rows = _keep(views.positions.with_marks(views.marks), agent=agent, venue=venue)
    if not show_all:
        rows = [r for r in rows if r["size"] != 0]
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
    _print(rows, columns, as_json)


@click.command()
@agent_option
@venue_option
@click.option("--denied", is_flag=True, help="Only denied intents.")
@json_option
def intents(agent: str | None, venue: str | None, denied: bool, as_json: bool) -> None:
    """Intents with their verdicts and denial reasons."""
    app, _ = open_app()
    rows = sorted(LogViews.build(app).intents.rows.values(), key=lambda r: r["log_position"])
    rows = _keep(rows, agent=agent, venue=venue, verdict="DENIED" if denied else None)
    columns = ["intent_id", "agent", "side", "price", "size", "verdict", "reason", "redeliveries"]
    _print(rows, columns, as_json)


@click.command()
@click.argument("ident")
@json_option
def why(ident: str, as_json: bool) -> None:
    """Why an order or intent happened: every check with its values, sizing, book, venue
    answers and fills. IDENT is an order id, an intent id, or a client or venue order id."""
    app, _ = open_app()
    trail = find_trail(app, ident)
    if trail is None:
        raise TapeUsageError(f"no order or intent with id {ident!r} in the store")
    click.echo(to_json(trail.to_json()) if as_json else why_tree(trail))
