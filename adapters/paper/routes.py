"""The paper venue process's HTTP routes (see :mod:`adapters.paper.server` for what they do)."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from adapters.paper.server import PaperVenueService


def _handler(service: PaperVenueService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            data = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(data, dict):
                raise ValueError("body must be a JSON object")  # noqa: TRY004  answered as a 400
            return data

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            with service.lock:
                if url.path == "/health":
                    self._send(200, {"status": "ok"})
                elif url.path == "/orders":
                    self._send(200, service.ledger.orders())
                elif url.path.startswith("/orders/"):
                    self._send(*service.order(url.path.removeprefix("/orders/")))
                elif url.path == "/book":
                    venue = query.get("venue", "paper")
                    token_id, at = query.get("token_id", ""), query.get("at")
                    account, line = query.get("account", ""), query.get("line")
                    self._send(*service.book(venue, token_id, at, account, line))
                elif url.path == "/reports":
                    after = int(query.get("after", "0"))
                    named = parse_qs(url.query, keep_blank_values=True).get("account")
                    accounts = frozenset(named) if named is not None else None
                    self._send(*service.poll(after, query.get("at"), accounts, query.get("line")))
                else:
                    self._send(404, {"error": f"no route {url.path}"})

        def do_DELETE(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if not url.path.startswith("/orders/"):
                self._send(404, {"error": f"no route {url.path}"})
                return
            with service.lock:
                cid = url.path.removeprefix("/orders/")
                self._send(*service.cancel(cid, query.get("at"), query.get("line")))

        def do_POST(self) -> None:
            url = urlparse(self.path)
            try:
                body = self._body()
            except ValueError as error:
                self._send(400, {"error": str(error)})
                return
            if url.path == "/orders":
                try:
                    with service.lock:
                        status, answer, stall = service.submit(body)
                except (KeyError, ValueError, ArithmeticError) as error:
                    self._send(400, {"error": f"bad order: {error}"})
                    return
                if stall:
                    time.sleep(stall)  # the answer is late; the order is already in the ledger
                self._send(status, answer)
            elif url.path == "/_faults":
                with service.lock:
                    service.faults.update({k: float(v) for k, v in body.items()})
                self._send(200, service.faults)
            else:
                self._send(404, {"error": f"no route {url.path}"})

    return Handler


def make_server(
    service: PaperVenueService, port: int, host: str = "127.0.0.1"
) -> ThreadingHTTPServer:
    """An HTTP server for the service on loopback (port 0 picks a free one)."""
    return ThreadingHTTPServer((host, port), _handler(service))
