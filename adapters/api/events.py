"""Live events: ``GET /api/v1/events`` streams each new event of the log as a server-sent
event (id = its position in the log, so a client resumes with ``Last-Event-ID`` or
``?after=``), and ``GET /api/v1/errors`` lists the recent errors and breaker trips."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from fastapi import APIRouter, Query, Request
from sse_starlette import EventSourceResponse
from starlette.concurrency import run_in_threadpool

from adapters.api.context import ApiContext
from adapters.notify.outbox import GIVEN_UP, given_up
from projections.logs import LogSource, notifications
from projections.rows import plain as _plain

POLL_S = 0.25
PAGE = 500
RECENT = 50
SUMMARY_FIELDS = (
    "name",
    "agent",
    "intent_id",
    "order_id",
    "state",
    "status",
    "reason",
    "code",
    "message",
    "error",
    "detail",
    "failures",
    "last_error",
    "side",
    "price",
    "size",
    "venue",
    "token_id",
    "source",
    "line_no",
)
ERROR_EVENTS = frozenset(
    {
        "OrderRejected",
        "OrderDenied",
        "OrderSubmissionUncertain",
        "CircuitBreakerTripped",
        "VenueFailureCounted",
        "InputDenied",
    }
)


_T = TypeVar("_T")


def _json(value: _T) -> _T:
    """JSON-ready data (Decimals as exact strings, times as RFC 3339), shaped as given."""
    return cast("_T", _plain(value))


def event_summary(position: int, event: Any) -> dict[str, Any]:
    """An event as the page sees it: position, topic, aggregate id, time, its small fields."""
    name = type(event).__qualname__
    fields = {k: getattr(event, k) for k in SUMMARY_FIELDS if hasattr(event, k)}
    scalar = {k: v for k, v in fields.items() if not isinstance(v, dict | list | tuple)}
    return _json(
        {
            "position": position,
            "event": name.rsplit(".", 1)[-1],
            "topic": f"{type(event).__module__}:{name}",
            "originator_id": event.originator_id,
            "at": event.timestamp,
            **scalar,
        }
    )


def read_after(log: LogSource, after: int, limit: int = PAGE) -> list[dict[str, Any]]:
    """The summaries of up to ``limit`` events after position ``after``."""
    out = []
    for note in notifications(log, after + 1):
        out.append(event_summary(note.id, log.mapper.to_domain_event(note)))
        if len(out) >= limit:
            break
    return out


@dataclass
class RecentErrors:
    """The last errors and breaker trips of the log, read on from where the last call stopped."""

    log: LogSource
    kept: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=RECENT))
    read_to: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def latest(self) -> list[dict[str, Any]]:
        """Newest first."""
        with self.lock:
            for note in notifications(self.log, self.read_to + 1):
                self.read_to = note.id
                if note.topic.rsplit(".", 1)[-1] in ERROR_EVENTS:
                    event = self.log.mapper.to_domain_event(note)
                    self.kept.append(event_summary(note.id, event))
            return list(reversed(self.kept))


def _start(request: Request, after: int | None, log: LogSource) -> int:
    last_id = request.headers.get("last-event-id", "")
    if after is not None:
        return after
    if last_id.isdigit():
        return int(last_id)
    return int(log.recorder.max_notification_id() or 0)


def router(ctx: ApiContext) -> APIRouter:
    """The live routes under ``/api/v1``."""
    api = APIRouter(prefix="/api/v1", tags=["live"])
    log = ctx.engine.app
    recent = RecentErrors(log)
    ctx.read(lambda m: m.projector.store.setup([GIVEN_UP], []))

    @api.get("/errors")
    def errors() -> list[dict[str, Any]]:
        """The last errors: venue rejections, orders we denied, uncertain submissions, venue
        failures, breaker trips, unreadable inputs, and notices a channel gave up
        (``NoticeGivenUp``), newest first."""
        notices = ctx.read(lambda m: given_up(m.projector.store))
        found = recent.latest() + notices
        return sorted(found, key=lambda e: str(e.get("at") or ""), reverse=True)[:RECENT]

    @api.get(
        "/events",
        response_class=EventSourceResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def events(
        request: Request,
        after: int | None = Query(None, ge=0, description="Stream events after this position."),
    ) -> EventSourceResponse:
        """Server-sent events: each new event's topic, ids and summary (``id`` = position)."""
        start = await run_in_threadpool(_start, request, after, log)

        async def stream() -> AsyncIterator[dict[str, str]]:
            position = start
            while not await request.is_disconnected():
                batch = await run_in_threadpool(read_after, log, position)
                for item in batch:
                    position = item["position"]
                    yield {"id": str(position), "event": "tape", "data": json.dumps(item)}
                if not batch:
                    await asyncio.sleep(POLL_S)

        return EventSourceResponse(stream(), ping=15)

    return api
