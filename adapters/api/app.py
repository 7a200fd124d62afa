"""The service in ``tape serve``'s FastAPI app: the API under ``/api/v1`` (bearer token on
every route but ``/health``), the brief's aliases, JSON errors, and the dashboard at ``/``."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from fastapi import Depends, FastAPI

from adapters.api import agents, events, health, reads
from adapters.api.auth import require_token
from adapters.api.context import ApiContext
from adapters.api.errors import install_error_handlers
from adapters.api.page import mount_page
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
) -> ApiContext:
    """Add the API and the page to the intake ``app``; ``lock`` is the intake's (the engine
    takes one command at a time)."""
    ctx = ApiContext(engine, lock, read_models, logs, venue_environ)
    install_error_handlers(app)
    guarded = [Depends(require_token(token))]
    for made in (
        agents.router(ctx),
        reads.router(ctx),
        events.router(ctx),
        health.router(ctx, live),
    ):
        app.include_router(made, dependencies=guarded)
    mount_page(app)
    return ctx
