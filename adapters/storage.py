"""Storage wiring: which event store the application uses, from the environment.

SQLite files under ``$TAPE_HOME`` (default ``./.tape/``) unless ``TAPE_DATABASE_URL`` names a
PostgreSQL database (``postgresql://user:password@host:port/dbname``).
"""

from __future__ import annotations

import os
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


def tape_home(environ: dict[str, str] | None = None) -> Path:
    """The folder for Tape's files."""
    source = os.environ if environ is None else environ
    return Path(source.get("TAPE_HOME") or ".tape")


def storage_from_env(environ: dict[str, str] | None = None, *, app_name: str = "tape") -> Storage:
    """The store the environment asks for."""
    source = dict(os.environ if environ is None else environ)
    url = source.get("TAPE_DATABASE_URL", "").strip()
    if url:
        return postgres_storage(url, schema=source.get("TAPE_DATABASE_SCHEMA", ""))
    home = tape_home(source)
    home.mkdir(parents=True, exist_ok=True)
    return sqlite_storage(home / f"{app_name}.db")


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
