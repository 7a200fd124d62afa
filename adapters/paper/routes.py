"""The paper venue process's HTTP routes (see :mod:`adapters.paper.server` for what they do).

Every request is read and checked (:mod:`adapters.paper.validate`) before the service sees
it: a malformed one is a 400 with a JSON reason and changes nothing; a failure of the service
itself is a 500 with a JSON reason (its type only), never a dropped connection. A connection
that sends nothing for ``request_timeout_s`` (half a request, an idle keep-alive) is closed:
each connection has its own thread, so a slow client only holds its own. ``/_faults`` exists
only when the process was started with faults enabled (tests).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from adapters.paper.server import PaperVenueService
from adapters.paper.validate import (
    MalformedRequest,
    checked_after,
    checked_faults,
    checked_line,
    checked_order,
    checked_time,
)
from engine.bounded_json import InputBoundsError, loads_bounded

MAX_BODY = 64 * 1024
DEFAULT_REQUEST_TIMEOUT_S = 60.0


def _handler(
    service: PaperVenueService, *, faults: bool, request_timeout_s: float
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        timeout = request_timeout_s

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _answer(self, route: Callable[[], tuple[int, Any]]) -> None:
            try:
                status, body = route()
            except MalformedRequest as error:
                status, body = 400, {"error": str(error)}
            except Exception as error:  # the service failed: say so, keep the connection
                status, body = 500, {"error": f"internal error ({type(error).__name__})"}
            self._send(status, body)

        def _body(self) -> Any:
            declared = self.headers.get("Content-Length") or "0"
            if not declared.isascii() or not declared.isdigit():
                raise MalformedRequest("Content-Length: must be a whole number")
            if int(declared) > MAX_BODY:
                raise MalformedRequest(f"body over {MAX_BODY} bytes")
            raw = self.rfile.read(int(declared))
            try:
                return loads_bounded(raw or b"{}")
            except (json.JSONDecodeError, InputBoundsError) as error:
                raise MalformedRequest(f"body is not JSON: {error}") from None

        def _query(self) -> tuple[str, dict[str, str], dict[str, list[str]]]:
            url = urlparse(self.path)
            every = parse_qs(url.query, keep_blank_values=True)
            return url.path, {k: v[0] for k, v in every.items()}, every

        def do_GET(self) -> None:
            self._answer(self._get)

        def _get(self) -> tuple[int, Any]:
            path, query, every = self._query()
            if path == "/health":
                return 200, {"status": "ok"}
            if path == "/book":
                at, line = checked_time(query.get("at"), "at"), checked_line(query.get("line"))
                venue, token_id = query.get("venue", "paper"), query.get("token_id", "")
                with service.lock:
                    return service.book(venue, token_id, at, query.get("account", ""), line)
            if path == "/reports":
                after, at = checked_after(query.get("after")), checked_time(query.get("at"), "at")
                line, named = checked_line(query.get("line")), every.get("account")
                accounts = frozenset(named) if named is not None else None
                with service.lock:
                    return service.poll(after, at, accounts, line)
            with service.lock:
                if path == "/orders":
                    return 200, service.ledger.orders()
                if path.startswith("/orders/"):
                    return service.order(path.removeprefix("/orders/"))
            return 404, {"error": f"no route {path}"}

        def do_DELETE(self) -> None:
            self._answer(self._delete)

        def _delete(self) -> tuple[int, Any]:
            path, query, _ = self._query()
            if not path.startswith("/orders/"):
                return 404, {"error": f"no route {path}"}
            at, line = checked_time(query.get("at"), "at"), checked_line(query.get("line"))
            with service.lock:
                return service.cancel(path.removeprefix("/orders/"), at, line)

        def do_POST(self) -> None:
            self._answer(self._post)

        def _post(self) -> tuple[int, Any]:
            path, _, _ = self._query()
            body = self._body()
            if path == "/orders":
                order = checked_order(body)
                try:
                    with service.lock:
                        status, answer, late = service.submit(order)
                except (KeyError, ValueError, ArithmeticError) as error:
                    raise MalformedRequest(f"bad order: {error}") from None
                if late:
                    time.sleep(late)  # the answer is late; the order is already in the ledger
                return status, answer
            if path == "/_faults" and faults:
                checked = checked_faults(body)
                with service.lock:
                    service.faults.update(checked)
                    return 200, dict(service.faults)
            return 404, {"error": f"no route {path}"}

    return Handler


def make_server(
    service: PaperVenueService,
    port: int,
    host: str = "127.0.0.1",
    *,
    faults: bool = False,
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S,
) -> ThreadingHTTPServer:
    """An HTTP server for the service on loopback (port 0 picks a free one); ``faults``: serve
    ``POST /_faults`` (tests only)."""
    handler = _handler(service, faults=faults, request_timeout_s=request_timeout_s)
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
