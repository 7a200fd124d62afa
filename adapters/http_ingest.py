"""Authenticated HTTP intake of ``tape.intent/1`` intents: the FastAPI app behind ``tape serve``.

``POST /intents`` takes one intent object or a JSON array of them. Each gets a receipt, in order:
``received`` (its ``IntentReceived`` is saved: the engine saves synchronously before answering),
``duplicate`` (its id was taken in before; the redelivery is recorded, nothing is traded twice)
or ``invalid`` with the reason (recorded as ``Feed.InputDenied``; the rest of the batch goes
on). The response is sent only after every intent of the batch has been recorded, so a 2xx
means the intents are durable. Deciding and placing the received intents happens after the
response (a failure there never turns a receipt into an error; a crash there is finished by
the engine's recovery at the next start).

Auth: ``Authorization: Bearer <token>``, compared in constant time; a missing or wrong token is
a 401 and nothing is recorded. A body over the limit is a 413 (checked on the declared length
and on the bytes actually read). Requests reach the engine one at a time (a lock): the
event-sourced application is not meant for concurrent commands on one aggregate.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import signal
import socket
import threading
from collections.abc import Callable, Generator
from typing import Any

import uvicorn
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from adapters.http_guard import Exposure, guard
from adapters.http_intake import FEED, Intake, StoreUnwritableError
from adapters.intake_schema import INTENT_SCHEMA, ErrorOut, HealthOut, ReceiptOut
from adapters.settings import DEFAULT_MAX_ITEMS
from adapters.store_health import StoreHealth
from engine.bounded_json import InputBoundsError, loads_bounded
from engine.service import TradingEngine

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB
LOOPBACK = Exposure.of("127.0.0.1")


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _authorised(header: str | None, token: str | None) -> bool:
    if token is None:
        return True
    if header is None:
        return False
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(supplied.strip().encode("utf-8"), token.encode("utf-8"))


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is longer than ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _decode(body: bytes) -> Any:
    """The JSON value of a body within the input bounds (depth, integer size, finite numbers,
    valid Unicode); ValueError with the reason when it is not JSON or out of bounds."""
    try:
        return loads_bounded(body)
    except InputBoundsError as error:
        raise ValueError(f"malformed JSON: {error}") from None
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise ValueError(f"malformed JSON: {error.msg} at {where}") from None


def create_app(
    engine: TradingEngine,
    token: str | None,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    feed: str = FEED,
    report: Callable[[str], None] = lambda _message: None,
    lock: threading.Lock | None = None,
    decide: bool = True,
    max_items: int = DEFAULT_MAX_ITEMS,
    exposure: Exposure = LOOPBACK,
    store: StoreHealth | None = None,
) -> FastAPI:
    """The HTTP intake app for ``engine``. ``token`` None means no auth (loopback only: the
    caller must bind to 127.0.0.1). ``decide`` False: only record (the engine writes an ingest
    log that scale-out workers follow). ``exposure``: the Host and Origin it answers (see
    :mod:`adapters.http_guard`); ``store``: what ``/health`` says about writing the store."""
    if token is not None and not token:
        raise ValueError("the token must not be empty")
    store = store or StoreHealth()
    intake = Intake(engine, lock or threading.Lock(), feed, report, decides=decide, store=store)
    app = FastAPI(
        title="Tape intent intake",
        version="1",
        description="POST tape.intent/1 intents to the Tape engine; one receipt per intent.",
        docs_url=None,
        redoc_url=None,
    )
    guard(app, exposure)

    async def unwritable(_request: Request, error: Exception) -> JSONResponse:
        return _error(503, str(error))

    app.add_exception_handler(StoreUnwritableError, unwritable)
    unauthorised = {"WWW-Authenticate": "Bearer"}

    @app.get(
        "/health",
        response_model=HealthOut,
        response_model_exclude_none=True,
        responses={503: {"model": HealthOut, "description": "The store cannot be written."}},
    )
    def health() -> Any:
        """Liveness, and whether the store takes writes (503 with the reason when not)."""
        problem = store.problem()
        if problem is not None:
            return JSONResponse({"status": "store unwritable", "reason": problem}, 503)
        return {"status": "ok"}

    @app.post(
        "/intents",
        response_model=list[ReceiptOut],
        responses={
            400: {"model": ErrorOut, "description": "The body is not JSON (or out of bounds)."},
            401: {"model": ErrorOut, "description": "Missing or wrong bearer token."},
            403: {"model": ErrorOut, "description": "A foreign Host or Origin."},
            413: {"model": ErrorOut, "description": f"Over {max_body} bytes or {max_items} items."},
            415: {"model": ErrorOut, "description": "Not Content-Type: application/json."},
            503: {"model": ErrorOut, "description": "The store cannot be written."},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/TradeIntent"},
                                {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/TradeIntent"},
                                },
                            ]
                        }
                    }
                },
            }
        },
    )
    async def post_intents(request: Request, background: BackgroundTasks) -> Any:
        """Take in one intent or a batch; one receipt per intent, in order. A 2xx means every
        intent of the batch is recorded durably."""
        if not _authorised(request.headers.get("authorization"), token):
            return _error(401, "missing or wrong bearer token", unauthorised)
        body = await _read_limited(request, max_body)
        if body is None:
            return _error(413, f"body over {max_body} bytes")
        try:
            data = _decode(body)
        except ValueError as error:
            await run_in_threadpool(intake.reject_body, str(error), body)
            return _error(400, str(error))
        items = data if isinstance(data, list) else [data]
        if len(items) > max_items:
            return _error(413, f"{len(items)} intents: at most {max_items} per request")
        receipts, to_decide = await run_in_threadpool(intake.record, items)
        if to_decide:
            background.add_task(intake.decide, to_decide)
        return JSONResponse(receipts)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            components = schema.setdefault("components", {})
            components.setdefault("schemas", {})["TradeIntent"] = INTENT_SCHEMA
            if token is not None:
                components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
                schema["paths"]["/intents"]["post"]["security"] = [{"bearer": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


class _Server(uvicorn.Server):
    """uvicorn, stopping gracefully on SIGINT/SIGTERM and then returning normally (uvicorn
    itself re-raises the signal after its shutdown, which would skip the caller's cleanup)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        """Route SIGINT and SIGTERM to a graceful exit while serving."""
        handled = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def serve_app(app: FastAPI, sock: socket.socket) -> None:
    """Serve ``app`` with uvicorn on an already bound socket until SIGINT or SIGTERM."""
    _Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])
