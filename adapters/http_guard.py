"""The exposure rules of Tape's HTTP surfaces, as one ASGI middleware every route shares.

A browser lets any web page send a request to a loopback port: a ``text/plain`` POST needs no
CORS preflight (CSRF), and a page on a name its owner re-points at 127.0.0.1 talks to the
service as its own origin (DNS rebinding). So, before any route runs:

- ``Host`` must name the service: the bound address (loopback names too when it is loopback),
  any IP literal when bound to every interface, or a name given with ``allowed_names``; its
  port, when given, is the bound one. A rebinding page's Host is its own domain name: refused.
- ``Origin``, when a browser sends one, must be the service's own (``http://<allowed host>``);
  any other, ``null`` included, is refused.
- A request with a body (POST, PUT, PATCH) must say ``Content-Type: application/json``: a
  browser cannot send that cross-origin without a preflight, which Tape never answers.

Each refusal is a JSON ``{"error": ...}`` (403 Host or Origin, 415 content type), and nothing
behind the middleware runs. :func:`install_json_errors` makes every other error JSON too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names of "every interface"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(name: str) -> bool:
    return name in LOOPBACK_NAMES or (_is_ip(name) and ipaddress.ip_address(name).is_loopback)


@dataclass(frozen=True)
class Exposure:
    """Which ``Host`` names and port a service answers to (see the module docstring)."""

    bound_host: str
    allowed_names: frozenset[str] = frozenset()

    @classmethod
    def of(cls, bound_host: str, allowed_names: Iterable[str] = ()) -> Exposure:
        """The exposure of a service bound to ``bound_host`` (its port is the one each request
        arrived on)."""
        return cls(bound_host.lower(), frozenset(n.lower() for n in allowed_names))

    def allows_name(self, name: str) -> bool:
        """Whether a request may call the service ``name``."""
        name = name.lower()
        if name == self.bound_host or name in self.allowed_names:
            return True
        if self.bound_host in WILDCARDS:
            return _is_ip(name) or name == "localhost"
        return _is_loopback(self.bound_host) and _is_loopback(name)

    def host_problem(self, host: str | None, port: int) -> str | None:
        """Why a ``Host`` header is refused on a request that arrived on ``port``, or None."""
        if not host:
            return "a Host header is required"
        parts = urlsplit(f"//{host}")
        try:
            named_port = parts.port
        except ValueError:
            return "the Host header is malformed"
        if parts.hostname is None or not self.allows_name(parts.hostname):
            return "the Host header does not name this service"
        if named_port is not None and named_port != port:
            return "the Host header names another port"
        return None

    def origin_problem(self, origin: str | None, port: int) -> str | None:
        """Why an ``Origin`` header is refused, or None (absent: not a browser's request)."""
        if origin is None:
            return None
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            return "requests from another origin are refused"
        try:
            origin_port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return "requests from another origin are refused"
        if self.host_problem(parts.netloc, port) is not None or origin_port != port:
            return "requests from another origin are refused"
        return None


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json"


class GuardMiddleware:
    """The ASGI middleware applying an :class:`Exposure` to every HTTP request."""

    def __init__(self, app: ASGIApp, exposure: Exposure) -> None:
        self.app = app
        self.exposure = exposure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request (JSON, nothing behind runs) or pass it on unchanged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        server = scope.get("server") or ("", 0)
        port = int(server[1] or 0)
        problem = self.exposure.host_problem(headers.get("host"), port)
        status = 403
        if problem is None:
            problem = self.exposure.origin_problem(headers.get("origin"), port)
        if (
            problem is None
            and scope["method"] in BODY_METHODS
            and not _is_json(headers.get("content-type"))
        ):
            problem, status = "the body must be Content-Type: application/json", 415
        if problem is None:
            await self.app(scope, receive, send)
            return
        await JSONResponse({"error": problem}, status_code=status)(scope, receive, send)


def _headers(scope: Scope) -> dict[str, str]:
    """The request's headers (latin-1, as HTTP carries them; the first of repeated ones)."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def guard(app: FastAPI, exposure: Exposure) -> None:
    """Apply the exposure rules and JSON errors to ``app`` (every route, present and later)."""
    app.add_middleware(GuardMiddleware, exposure=exposure)
    install_json_errors(app)


def install_json_errors(app: FastAPI) -> None:
    """Make FastAPI's own errors (404, 405, a request that fails validation, a crash) JSON
    ``{"error": ...}`` like the routes' (the crash without its message: it could hold data)."""

    async def http_error(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)  # noqa: S101 - registered for it only
        return JSONResponse(
            {"error": str(error.detail)}, status_code=error.status_code, headers=error.headers
        )

    async def invalid(_request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)  # noqa: S101 - registered for it only
        where = [".".join(str(p) for p in e.get("loc", ())) for e in error.errors()]
        return JSONResponse({"error": f"invalid request: {', '.join(where)}"}, status_code=422)

    async def crashed(_request: Request, error: Exception) -> JSONResponse:
        return JSONResponse({"error": f"internal error ({type(error).__name__})"}, status_code=500)

    handlers: dict[Any, Any] = {
        HTTPException: http_error,
        RequestValidationError: invalid,
        Exception: crashed,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
