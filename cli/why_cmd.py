"""``tape why``: why an order or intent happened, as its trail of checks, sizing, book, venue
answers and fills; for a signal (no agent), each follower's trail; for a wallet ``tape
discover`` scored, its candidate's score explained."""

from __future__ import annotations

import click

from adapters.settings import Settings
from cli.context import pass_settings
from cli.discover_cmd import explain_candidate
from cli.errors import TapeUsageError
from cli.projections_cmd import workers_option
from cli.read_options import json_option, tracked_read_models
from cli.render import to_json, why_tree
from engine.signals import ADDRESS_SEPARATOR
from projections import queries
from projections.audit import Trail
from projections.queries import Filters, TrackedReadModels


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
