"""Storage wiring: which event store the application uses.

SQLite files under ``$TAPE_HOME`` (default ``./.tape/``) unless ``TAPE_DATABASE_URL`` names a
PostgreSQL database (``postgresql://user:password@host:port/dbname``). The variables are read
by ``adapters/settings.py``; this module only turns their values into a :class:`Storage`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse


class StorageConfigError(ValueError):
    """Raised when TAPE_DATABASE_URL cannot be used."""


@dataclass(frozen=True)
class Storage:
    """Where the event store lives, and the library environment that selects it."""

    kind: str  # "sqlite" or "postgres"
    location: str  # a file path, or host:port/dbname (never the password)
    env: dict[str, str]


def tape_home(environ: Mapping[str, str]) -> Path:
    """The folder for Tape's files that a mapping of variables names (default ``.tape``)."""
    return Path(environ.get("TAPE_HOME") or ".tape")


def storage_at(url: str, *, schema: str, home: Path, app_name: str = "tape") -> Storage:
    """PostgreSQL when ``url`` is set, else a SQLite file in ``home`` (made when missing)."""
    if url:
        return postgres_storage(url, schema=schema)
    home.mkdir(parents=True, exist_ok=True)
    return sqlite_storage(home / f"{app_name}.db")


def storage_from_env(environ: Mapping[str, str], *, app_name: str = "tape") -> Storage:
    """The store a mapping of TAPE_* variables asks for (``Settings.storage`` for a process)."""
    return storage_at(
        environ.get("TAPE_DATABASE_URL", "").strip(),
        schema=environ.get("TAPE_DATABASE_SCHEMA", ""),
        home=tape_home(environ),
        app_name=app_name,
    )


def sqlite_storage(path: Path) -> Storage:
    """A SQLite file store."""
    return Storage(
        "sqlite",
        str(path),
        {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)},
    )


def postgres_storage(url: str, *, schema: str = "") -> Storage:
    """A PostgreSQL store from a ``postgresql://`` URL."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgresql", "postgres"):
        raise StorageConfigError("TAPE_DATABASE_URL must start with postgresql://")
    dbname = parsed.path.lstrip("/")
    if not dbname:
        raise StorageConfigError("TAPE_DATABASE_URL must name a database: postgresql://host/dbname")
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parsed.port or 5432),
        "POSTGRES_USER": unquote(parsed.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
    }
    if schema:
        env["POSTGRES_SCHEMA"] = schema
    location = f"{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{dbname}"
    if schema:
        location += f" (schema {schema})"
    return Storage("postgres", location, env)
