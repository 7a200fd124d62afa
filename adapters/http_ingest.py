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
from typing import Any, Literal

import uvicorn
from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from adapters.http_intake import FEED, Intake
from engine.service import TradingEngine

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB


class ReceiptOut(BaseModel):
    """The receipt of one intent of a request."""

    intent_id: str | None
    status: Literal["received", "duplicate", "invalid"]
    reason: str | None = None


class ErrorOut(BaseModel):
    """A request refused as a whole."""

    error: str


_DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "examples": ["0.52"]}
INTENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "A tape.intent/1 intent: what a signal source saw. Unknown fields are an error.",
    "additionalProperties": False,
    "required": [
        "schema",
        "intent_id",
        "agent",
        "venue",
        "market_id",
        "token_id",
        "outcome",
        "side",
        "price",
        "size",
        "created_at",
        "source",
    ],
    "properties": {
        "schema": {"type": "string", "enum": ["tape.intent/1"]},
        "intent_id": {"type": "string", "minLength": 1},
        "agent": {"type": "string", "minLength": 1},
        "venue": {"type": "string", "minLength": 1},
        "market_id": {"type": "string", "minLength": 1},
        "token_id": {"type": "string", "minLength": 1},
        "outcome": {"type": "string", "minLength": 1},
        "side": {"type": "string", "enum": ["BUY", "SELL"]},
        "price": {**_DECIMAL, "description": "Decimal string, 0 < price < 1."},
        "size": {**_DECIMAL, "description": "Decimal string, shares, > 0."},
        "created_at": {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 UTC (Z or +00:00).",
        },
        "source": {
            "type": "object",
            "additionalProperties": False,
            "required": ["kind"],
            "properties": {
                "kind": {"type": "string", "enum": ["copy", "strategy", "manual"]},
                "trader": {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"},
                "tx_hash": {"type": "string", "pattern": "^0x[0-9a-fA-F]+$"},
                "trader_position_before": _DECIMAL,
                "strategy": {"type": "string"},
            },
        },
    },
}


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
    """The JSON value of a body; ValueError with the reason when it is not JSON."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("malformed JSON: nested too deeply") from None
    except UnicodeDecodeError:
        raise ValueError("malformed JSON: not UTF-8") from None
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
) -> FastAPI:
    """The HTTP intake app for ``engine``. ``token`` None means no auth (loopback only: the
    caller must bind to 127.0.0.1). ``decide`` False: only record (the engine writes an ingest
    log that scale-out workers follow)."""
    if token is not None and not token:
        raise ValueError("the token must not be empty")
    intake = Intake(engine, lock or threading.Lock(), feed, report, decides=decide)
    app = FastAPI(
        title="Tape intent intake",
        version="1",
        description="POST tape.intent/1 intents to the Tape engine; one receipt per intent.",
        docs_url=None,
        redoc_url=None,
    )
    unauthorised = {"WWW-Authenticate": "Bearer"}

    @app.get("/health", responses={200: {"description": "The service is up."}})
    def health() -> dict[str, str]:
        """Liveness: the service answers."""
        return {"status": "ok"}

    @app.post(
        "/intents",
        response_model=list[ReceiptOut],
        responses={
            400: {"model": ErrorOut, "description": "The body is not JSON."},
            401: {"model": ErrorOut, "description": "Missing or wrong bearer token."},
            413: {"model": ErrorOut, "description": f"Body over {max_body} bytes."},
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
