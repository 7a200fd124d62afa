"""What every fake venue server shares: serving on loopback, and answering JSON."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackServer:
    """Serves a handler class on 127.0.0.1, on a free port, in a daemon thread."""

    server: ThreadingHTTPServer | None = None

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        """Start serving ``handler``."""
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet handler whose every method goes to ``serve(method)`` and answers JSON."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        return

    def serve(self, method: str) -> None:
        """Answer one request (a fake overrides it)."""
        raise NotImplementedError

    def send_json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        """Answer ``body`` as JSON; a client that gave up (a timeout test) is let go."""
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:
        """GET."""
        self.serve("GET")

    def do_POST(self) -> None:
        """POST."""
        self.serve("POST")

    def do_DELETE(self) -> None:
        """DELETE."""
        self.serve("DELETE")
