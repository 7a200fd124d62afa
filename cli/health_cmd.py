"""``tape health``: configuration, store, venue reachability, balances and allowances.

Each check prints one line (``ok``, ``FAIL`` or ``warn``) that says exactly what is missing;
the command exits 1 when a check fails. Each registered venue runs its own checks
(``VenueSpec.health``); a venue without keys says that it trades on paper.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from adapters.config_health import configuration_health
from adapters.credentials import venue_mode
from adapters.settings import Settings
from adapters.storage import StorageConfigError, storage_from_env
from adapters.venues.registry import venue_specs
from adapters.venues.spec import Check
from cli.context import pass_settings


@dataclass
class HealthReport:
    """The lines to print and the checks that ran."""

    lines: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> None:
        """Record a check and its line."""
        self.checks.append(check)
        mark = "ok  " if check.ok and check.fatal else ("warn" if check.ok else "FAIL")
        self.lines.append(f"  [{mark}] {check.message}")

    def say(self, line: str) -> None:
        """A line of information."""
        self.lines.append(line)

    @property
    def failed(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if not c.ok]


def _store_checks(environ: Mapping[str, str], report: HealthReport) -> None:
    report.say("store")
    try:
        storage = storage_from_env(dict(environ))
    except (StorageConfigError, OSError) as error:
        report.add(Check("store", False, f"store unusable: {error}"))
        return
    if storage.kind == "sqlite":
        folder = Path(storage.location).parent
        writable = os.access(folder, os.W_OK)
        state = "exists" if Path(storage.location).exists() else "will be created"
        report.add(
            Check(
                "store",
                writable,
                f"sqlite {storage.location} ({state})"
                if writable
                else f"sqlite {storage.location}: folder {folder} is not writable",
            )
        )
        return
    try:
        import psycopg  # noqa: PLC0415 - only when the store is PostgreSQL

        url = environ.get("TAPE_DATABASE_URL", "")
        with psycopg.connect(url, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
        report.add(Check("store", True, f"postgres {storage.location} answers"))
    except Exception as error:  # any failure is the check's answer
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        report.add(Check("store", False, f"postgres {storage.location} unreachable: {first}"))


def run_health(
    environ: Mapping[str, str], *, settings: Settings | None = None, **probes: Any
) -> HealthReport:
    """Run every check: the configuration (with ``settings``: ``adapters.config_health``),
    the store, then each registered venue's own. ``probes`` (``web3``, ``exchange_factory``,
    ``data_api``) replace network clients in tests; each part takes the ones it knows."""
    report = HealthReport()
    report.say("Tape health")
    if settings is not None:
        for item in configuration_health(settings, **probes):
            if isinstance(item, Check):
                report.add(item)
            else:
                report.say(item)
    _store_checks(environ, report)
    report.say("venues")
    for spec in venue_specs():
        if not spec.simulator and spec.build is None:
            report.say(f"  {venue_mode(spec.name, environ)}")
        for line in spec.health(environ, **probes):
            if isinstance(line, Check):
                report.add(line)
            else:
                report.say(line)
    return report


@click.command()
@pass_settings
def health(settings: Settings) -> None:
    """Configuration, store, venue reachability, balances and allowances (exit 1 on a failure)."""
    report = run_health(settings.venue_environ, settings=settings)
    failed = report.failed
    report.say("health: ok" if not failed else f"health: {len(failed)} check(s) failed")
    click.echo("\n".join(report.lines))
    if failed:
        raise click.exceptions.Exit(1)
