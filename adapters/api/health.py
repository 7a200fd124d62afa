"""``GET /api/v1/health``: the store, each venue's mode, connectivity (probed by its own health
check in the background, ``adapters/api/probes.py``) and which of its keys are set (present or
not, never a value), and how far the read models are behind the log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter

from adapters.api.context import ApiContext
from adapters.api.probes import VenueProbes
from adapters.venues.registry import venue_specs
from adapters.venues.spec import VenueSpec


def venue_health(
    spec: VenueSpec, environ: Mapping[str, str], live: frozenset[str]
) -> dict[str, Any]:
    """One venue: whether it trades live or on paper, and which of its variables are set."""
    keys = {cred.variable: bool(environ.get(cred.variable)) for cred in spec.credentials}
    for name in spec.key_variables:
        keys.setdefault(name, bool(environ.get(name)))
    mode = "simulator" if spec.simulator else "live" if spec.name in live else "paper"
    return {
        "venue": spec.name,
        "mode": mode,
        "has_key": spec.key_in(environ) is not None,
        "live_adapter": spec.build is not None,
        "keys_present": keys,
    }


def router(ctx: ApiContext, live: frozenset[str], probes: VenueProbes) -> APIRouter:
    """The health route under ``/api/v1``; ``probes``: the venues' cached connectivity."""
    api = APIRouter(prefix="/api/v1", tags=["health"])

    @api.get("/health")
    def health() -> dict[str, Any]:
        """The store, the venues (mode, keys present, connectivity as last probed, and the
        agents trading there with consecutive failures), the read models' lag."""
        last = int(ctx.engine.app.recorder.max_notification_id() or 0)
        statuses = ctx.read(lambda m: m.projector.status())
        behind = max((s.behind for s in statuses), default=0)
        agents = ctx.agents()
        venues = []
        for spec in venue_specs():
            row = venue_health(spec, ctx.venue_environ, live)
            failing = [
                a.name for a in agents if a.consecutive_failures and spec.name in a.config.venues
            ]
            probe = probes.result(spec.name)
            row["connected"] = probe["connected"]
            row["probed_at"] = probe["probed_at"]
            row["probe"] = probe["detail"]
            row["agents_with_failures"] = failing
            venues.append(row)
        return {
            "status": "ok",
            "store": {"events": last, "read_models_behind": behind},
            "open_orders": len(ctx.engine.open_orders),
            "venues": venues,
        }

    return api
