"""``tape paper-venue``: the paper venue as a loopback HTTP service with a durable ledger.

It reads the day file's book records itself and advances them to the time each request
carries (``at``), so the books an order meets depend only on the day and the order's time.
Each connection has its own thread, but requests are handled one at a time under a lock, in
arrival order, which keeps matching deterministic.

Routes (JSON):
    POST /orders                  an order (OrderRequest fields + venue + at) -> its report
    GET  /orders                  the whole ledger
    GET  /orders/<client id>      one order's report, 404 when the venue never received it
    GET  /book?venue=&token_id=&at=   the book at that time, liquidity already taken removed
    GET  /reports?after=N         reports of resting orders that traded, after sequence N
    GET  /health
    POST /_faults                 test hook: {"drop_before_accept": n, "timeout_after_accept": n,
                                  "delay_s": s} makes the next n orders fail that way
"""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from adapters.paper.book_tape import BookTape
from adapters.paper.ledger import LedgerFile
from adapters.paper.venue import PaperVenues
from adapters.paper.wire import book_to_json, report_to_json, request_from_json
from engine.intent import parse_utc


class PaperVenueService:
    """The state behind the HTTP routes: venues, the book tape, the ledger, injected faults."""

    def __init__(self, day: Path, ledger: Path, *, fee_rate: Decimal = Decimal(0)) -> None:
        self.venues = PaperVenues(fee_rate=fee_rate)
        self.tape = BookTape(day, self.venues)
        self.ledger = LedgerFile(ledger)
        self.reports: list[dict[str, Any]] = []
        self.faults: dict[str, float] = {}
        self.lock = threading.Lock()

    def _advance(self, at_text: str | None) -> None:
        if at_text:
            self.tape.advance_to(parse_utc(at_text))
            for venue in self.venues.values():
                for report in venue.poll_reports():
                    self.reports.append(report_to_json(report))
                    self._persist(venue.name, report.client_order_id)

    def _persist(self, venue_name: str, client_order_id: str) -> None:
        order = self.venues[venue_name].ledger[client_order_id]
        self.ledger.save(venue_name, order.to_json())

    def _take_fault(self, name: str) -> bool:
        left = self.faults.get(name, 0)
        if left > 0:
            self.faults[name] = left - 1
            return True
        return False

    def submit(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        """Take an order; returns status, body, and how long to stall before answering."""
        if self._take_fault("drop_before_accept"):
            return 503, {"error": "service unavailable (injected)"}, 0.0
        self._advance(body.get("at"))
        venue = self.venues[str(body.get("venue", "paper"))]
        request = request_from_json(body)
        report = venue.submit(request)
        self._persist(venue.name, request.client_order_id)
        stall = self.faults.get("delay_s", 5.0) if self._take_fault("timeout_after_accept") else 0.0
        return 200, report_to_json(report), stall

    def order(self, client_order_id: str) -> tuple[int, dict[str, Any]]:
        """One order's report."""
        for venue in self.venues.values():
            report = venue.order_status(client_order_id)
            if report is not None:
                return 200, report_to_json(report)
        return 404, {"error": f"unknown order {client_order_id}"}

    def book(self, venue: str, token_id: str, at: str | None) -> tuple[int, dict[str, Any]]:
        """The book of a token at a time."""
        self._advance(at)
        book = self.venues[venue].book(venue, token_id)
        if book is None:
            return 404, {"error": f"no book for token {token_id}"}
        return 200, book_to_json(book)


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
                    self._send(*service.book(venue, query.get("token_id", ""), query.get("at")))
                elif url.path == "/reports":
                    after = int(query.get("after", "0"))
                    self._send(
                        200, {"reports": service.reports[after:], "next": len(service.reports)}
                    )
                else:
                    self._send(404, {"error": f"no route {url.path}"})

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
