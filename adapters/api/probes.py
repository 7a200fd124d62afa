"""Venue connectivity, probed: each venue's own health check (``VenueSpec.health``, what
``tape health`` runs) in a background thread, its answer cached for a short time.

A request never waits on a venue: ``GET /api/v1/health`` reads the cache, and the first request
starts the thread. A venue whose checks all pass is connected; one failing check makes it not
connected, with that check's sentence; a venue with nothing to reach (paper in this process, no
key) has ``connected: null`` and says so. A check that raises is a failed probe naming the
exception's type only (its message could hold anything)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.venues.spec import Check, VenueSpec

DEFAULT_TTL_S = 30.0


@dataclass
class VenueProbes:
    """The cached results of probing ``specs`` with ``environ`` every ``ttl_s`` seconds."""

    specs: Sequence[VenueSpec]
    environ: Mapping[str, str]
    ttl_s: float = DEFAULT_TTL_S
    wall: Callable[[], float] = time.time
    _results: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    rounds: int = 0

    def result(self, venue: str) -> dict[str, Any]:
        """The last probe of ``venue`` (``connected`` None and ``probed_at`` None before the
        first one ends); starts the probing thread on first use."""
        self.start()
        with self._lock:
            found = self._results.get(venue)
        return found or {"connected": None, "probed_at": None, "detail": "not probed yet"}

    def start(self) -> None:
        """Start probing in the background (once)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, name="venue-probes", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop probing."""
        self._stop.set()

    def probe_all(self) -> None:
        """Probe every venue once, now (the thread's round; tests call it directly)."""
        for spec in self.specs:
            outcome = _probe(spec, self.environ)
            outcome["probed_at"] = datetime.fromtimestamp(self.wall(), UTC).isoformat()
            with self._lock:
                self._results[spec.name] = outcome
        self.rounds += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self.probe_all()
            self._stop.wait(self.ttl_s)


def _probe(spec: VenueSpec, environ: Mapping[str, str]) -> dict[str, Any]:
    try:
        checks = [line for line in spec.health(environ) if isinstance(line, Check)]
    except Exception as error:
        return {"connected": False, "detail": f"probe failed: {type(error).__name__}"}
    failed = [c for c in checks if not c.ok]
    if failed:
        return {"connected": False, "detail": failed[0].message}
    if not checks:
        return {"connected": None, "detail": "nothing to reach (paper in this process, or no key)"}
    return {"connected": True, "detail": "; ".join(c.message for c in checks)}
