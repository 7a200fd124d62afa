"""What the read commands share: their options (``--as-of``, ``--since``, ``--until`` as times,
``--agent``, ``--venue``, ``--json``), where they read (the projections caught up with the log,
or the log folded up to a time) and how they print rows."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import click

from cli.projections_cmd import catch_up, open_projector, open_upstreams
from cli.render import table, to_json
from projections.queries import FoldedReadModels, ReadModels, TrackedReadModels


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


def print_rows(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    """The rows as a table of ``columns``, or as JSON."""
    click.echo(to_json(rows) if as_json else table(rows, columns))
