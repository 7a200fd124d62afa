"""A fake Telegram Bot API server and a webhook receiver, on loopback, speaking real HTTP.

The Telegram fake answers ``sendMessage`` as the Bot API does (``{"ok": true, "result":
{...}}``), checks the token in the path and the chat id, refuses texts over 4096 characters
(400, as Telegram does), and can be told to answer 429 with ``retry_after`` or to hang. The
webhook receiver keeps every request's event id header and JSON body, and can fail or hang too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    """What the next requests get: ``fail_next`` answers of ``fail_status`` (429 carries
    ``retry_after``), ``hang_s`` of silence before every answer, ``delay_s`` before each."""

    fail_next: int = 0
    fail_status: int = 429
    retry_after: int = 1
    hang_s: float = 0.0
    delay_s: float = 0.0


@dataclass
class Recorder:
    """What a fake server received."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0
    arrived: int = 0  # requests that reached the server, counted before any hang
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the crash test) is expected: no traceback."""


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[_Server, str]:
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class FakeTelegram:
    """A Bot API on loopback for one token and chat."""

    def __init__(self, token: str, chat_id: str) -> None:
        self.token = token
        self.chat_id = chat_id
        self.behaviour = Behaviour()
        self.got = Recorder()
        self.url = ""
        self._server: _Server | None = None
        self.updates: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for ``getUpdates`` (its ``update_id`` is given here)."""
        with self.got.lock:
            self.updates.append({"update_id": len(self.updates) + 1, **update})

    @property
    def texts(self) -> list[str]:
        """The texts of the messages taken, in order."""
        with self.got.lock:
            return [r["text"] for r in self.got.requests]

    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                status, answer = fake.answer(self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server, self.url = _serve(Handler)
        return self

    def answer(  # noqa: PLR0911 - one return per Bot API answer
        self, path: str, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        b = self.behaviour
        with self.got.lock:
            self.got.arrived += 1
        if b.hang_s:
            time.sleep(b.hang_s)
        if b.delay_s:
            time.sleep(b.delay_s)
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        method = path[len(prefix) :]
        if method != "sendMessage":
            return self.other(method, body)
        with self.got.lock:
            if b.fail_next > 0:
                b.fail_next -= 1
                self.got.refused += 1
                if b.fail_status == 429:
                    return 429, {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {b.retry_after}",
                        "parameters": {"retry_after": b.retry_after},
                    }
                return b.fail_status, {"ok": False, "error_code": b.fail_status}
            if str(body.get("chat_id")) != self.chat_id:
                return 400, {"ok": False, "error_code": 400, "description": "chat not found"}
            if len(body.get("text", "")) > 4096:
                return 400, {"ok": False, "error_code": 400, "description": "message is too long"}
            self.got.requests.append(body)
            self.calls.append(("sendMessage", body))
            count = len(self.got.requests)
        return 200, {"ok": True, "result": {"message_id": count, "text": body["text"]}}

    def other(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Any method but sendMessage: recorded; getUpdates answers the queued updates."""
        with self.got.lock:
            self.calls.append((method, body))
            if method == "getUpdates":
                offset = int(body.get("offset") or 0)
                return 200, {
                    "ok": True,
                    "result": [u for u in self.updates if u["update_id"] >= offset],
                }
        return 200, {"ok": True, "result": True}

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


class WebhookReceiver:
    """An HTTP endpoint that records each POST's ``X-Tape-Event-Id`` and JSON body."""

    def __init__(self) -> None:
        self.behaviour = Behaviour()
        self.got = Recorder()
        self.url = ""
        self._server: _Server | None = None

    @property
    def event_ids(self) -> list[str]:
        """The event id header of every request taken, in order (repeats included)."""
        with self.got.lock:
            return [r["event_id"] for r in self.got.requests]

    @property
    def bodies(self) -> list[dict[str, Any]]:
        with self.got.lock:
            return [r["body"] for r in self.got.requests]

    def start(self) -> WebhookReceiver:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                status = fake.take(self.headers.get("X-Tape-Event-Id", ""), raw)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server, self.url = _serve(Handler)
        return self

    def take(self, event_id: str, raw: bytes) -> int:
        b = self.behaviour
        with self.got.lock:
            self.got.arrived += 1
        if b.hang_s:
            time.sleep(b.hang_s)
        if b.delay_s:
            time.sleep(b.delay_s)
        with self.got.lock:
            if b.fail_next > 0:
                b.fail_next -= 1
                self.got.refused += 1
                return b.fail_status
            self.got.requests.append({"event_id": event_id, "body": json.loads(raw)})
        return 200

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def fake_servers(token: str, chat_id: str) -> Iterator[tuple[FakeTelegram, WebhookReceiver]]:
    """Both fakes, started, stopped at the end."""
    telegram, hook = FakeTelegram(token, chat_id).start(), WebhookReceiver().start()
    try:
        yield telegram, hook
    finally:
        telegram.stop()
        hook.stop()
