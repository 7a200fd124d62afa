"""The Settings of a ``tape`` command: loaded once by the ``tape`` group, passed down by click."""

from __future__ import annotations

import click

from adapters.settings import Settings

pass_settings = click.make_pass_decorator(Settings)
"""Give a command the Settings of its invocation as its first argument."""


def current_settings() -> Settings:
    """The running command's Settings; outside a command (a script, the bench), the process's."""
    context = click.get_current_context(silent=True)
    found = context.find_object(Settings) if context is not None else None
    return found if found is not None else Settings.load()


def workers_default(ctx: click.Context, _param: click.Parameter, value: int | None) -> int | None:
    """A ``--workers`` option's value, else ``$TAPE_WORKERS`` as the Settings read it."""
    if value is not None:
        return value
    settings = ctx.find_object(Settings)
    return settings.workers if settings is not None else None
