"""The Settings of a ``tape`` command: loaded once by the ``tape`` group, passed down by click."""

from __future__ import annotations

from pathlib import Path

import click

from adapters.settings import Settings
from adapters.store_lock import WriterLock

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


def claim_store(settings: Settings, holder: str) -> None:
    """Take the writer lock of the settings' SQLite store for the rest of the running command
    (released when the command ends, as when the process does); ``StoreBusyError`` naming the
    holder when another process writes it. PostgreSQL takes several writers: no lock."""
    storage = settings.storage()
    if storage.kind != "sqlite":
        return
    lock = WriterLock.acquire(Path(storage.location).parent, holder=holder)
    click.get_current_context().call_on_close(lock.release)
