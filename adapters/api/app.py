"""The service in ``tape serve``'s FastAPI app: the API under ``/api/v1`` (bearer token on
every route but ``/health``), the brief's aliases, JSON errors, and the dashboard at ``/``."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from adapters.api import agents, events, health, reads
from adapters.api.auth import require_token
from adapters.api.context import ApiContext
from adapters.api.errors import install_error_handlers
from adapters.api.page import mount_page
from adapters.api.probes import VenueProbes
from adapters.venues.registry import venue_specs
from engine.service import TradingEngine
from projections.logs import LogSource
from projections.queries import TrackedReadModels


def mount_service(
    app: FastAPI,
    engine: TradingEngine,
    *,
    token: str | None,
    lock: threading.Lock,
    read_models: TrackedReadModels,
    logs: Sequence[LogSource],
    venue_environ: Mapping[str, str],
    live: frozenset[str] = frozenset(),
    probes: VenueProbes | None = None,
) -> ApiContext:
    """Add the API and the page to the intake ``app``; ``lock`` is the intake's (the engine
    takes one command at a time); ``probes``: the venues' connectivity (default: every
    registered venue's health check, every 30 s)."""
    ctx = ApiContext(engine, lock, read_models, logs, venue_environ)
    probes = probes or VenueProbes(venue_specs(), venue_environ)
    install_error_handlers(app)
    guarded = [Depends(require_token(token))]
    for made in (
        agents.router(ctx),
        reads.router(ctx),
        events.router(ctx),
        health.router(ctx, live, probes),
    ):
        app.include_router(made, dependencies=guarded)
    mount_page(app)
    return ctx


WORKERS_REFUSAL = (
    "the API and the dashboard run in `tape serve` without --workers; with --workers this "
    "process only records intents (read with `tape positions --workers N`, switch agents with "
    "`tape agents` against the ingest log's configuration)"
)


def mount_workers_refusal(app: FastAPI) -> None:
    """With ``--workers``: every API path and the page answer 503 with one line saying why
    (the agents live in the workers' logs; this process holds only the ingest log)."""
    install_error_handlers(app)

    def refuse() -> JSONResponse:
        return JSONResponse({"error": WORKERS_REFUSAL}, status_code=503)

    for path in ("/", "/api/{rest:path}"):
        app.add_api_route(path, refuse, methods=["GET", "POST", "PATCH"], include_in_schema=False)
