"""Where the monitor's intents go: appended to a JSONL file, or posted to ``tape serve``.

Both are given the intents written ahead in the monitor's state and return only once they hold
them durably; delivering the same intents again after a crash is safe:

- the file sink first reads what was appended after the last committed offset, cuts a partial
  last line (a write a kill interrupted), and appends only the intents not already there,
  in one write, then fsyncs;
- the HTTP sink posts batches until the engine acknowledges each with a 2xx and one receipt per
  intent; the engine records a redelivered intent and never trades it twice.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import requests

from adapters.intent_tail import fsync_folder
from adapters.polymarket_data.client import Backoff, MonitorStopped, retry_after_seconds

POST_BATCH = 100


class SinkError(RuntimeError):
    """The intents cannot be delivered and retrying will not help (bad token, refused format)."""


class IntentSink(Protocol):
    """Delivers intents durably; returns the sink's new output record for the monitor state."""

    def describe(self) -> str:
        """Where the intents go, for messages."""
        ...

    def deliver(self, intents: Sequence[dict[str, Any]], output: dict[str, Any]) -> dict[str, Any]:
        """Deliver every intent (skipping those already delivered) and return the output record."""
        ...


def intent_line(intent: dict[str, Any]) -> str:
    """One JSONL line (with its newline) for an intent."""
    return json.dumps(intent, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


class FileSink:
    """Appends whole intent lines to a file and fsyncs them."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        """The file path."""
        return str(self.path)

    def deliver(self, intents: Sequence[dict[str, Any]], output: dict[str, Any]) -> dict[str, Any]:
        """Append the intents not yet in the file after the committed offset; fsync."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if created:
                fsync_folder(self.path.parent)
            committed = output.get("offset", 0) if output.get("path") == str(self.path) else 0
            present = self._present_after(fd, int(committed))
            data = "".join(intent_line(i) for i in intents if i["intent_id"] not in present)
            view = memoryview(data.encode("utf-8"))
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        return {"path": str(self.path), "offset": size}

    @staticmethod
    def _present_after(fd: int, committed: int) -> set[str]:
        """Intent ids of the whole lines after ``committed``; a partial last line is cut."""
        size = os.fstat(fd).st_size
        if committed > size:
            committed = 0  # the file was replaced or truncated: look at all of it
        tail = os.pread(fd, size - committed, committed) if size > committed else b""
        cut = tail.rfind(b"\n") + 1
        if cut < len(tail):
            os.ftruncate(fd, committed + cut)
            os.fsync(fd)
        present: set[str] = set()
        for raw in tail[:cut].splitlines():
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("intent_id"), str):
                present.add(record["intent_id"])
        return present


class HttpSink:
    """Posts intents to ``tape serve`` (``POST /intents``) until the engine acknowledges them."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None,
        stop: threading.Event,
        backoff: Backoff | None = None,
        report: Callable[[str], None] = lambda _message: None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
    ) -> None:
        self.url = url
        self.token = token
        self.stop = stop
        self.backoff = backoff or Backoff()
        self.report = report
        self.session = session or requests.Session()
        self.timeout = timeout

    def describe(self) -> str:
        """The endpoint."""
        return self.url

    def deliver(self, intents: Sequence[dict[str, Any]], output: dict[str, Any]) -> dict[str, Any]:
        """Post in batches; each batch is retried (without end) until it is acknowledged."""
        for start in range(0, len(intents), POST_BATCH):
            self._post_until_acknowledged(list(intents[start : start + POST_BATCH]))
        return {"url": self.url}

    def _post_until_acknowledged(self, batch: list[dict[str, Any]]) -> None:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(batch, sort_keys=True, separators=(",", ":")).encode("utf-8")
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = self.session.post(
                    self.url, data=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as error:
                problem = f"{type(error).__name__}"
            else:
                if 200 <= response.status_code < 300 and self._acknowledged(batch, response):
                    return
                if response.status_code in (401, 403):
                    raise SinkError(f"{self.url} refused the token (HTTP {response.status_code})")
                if response.status_code == 413 and len(batch) > 1:
                    half = len(batch) // 2
                    self._post_until_acknowledged(batch[:half])
                    self._post_until_acknowledged(batch[half:])
                    return
                if 400 <= response.status_code < 500 and response.status_code != 429:
                    raise SinkError(
                        f"{self.url} refused the batch: HTTP {response.status_code} "
                        f"{response.text[:200]!r}"
                    )
                problem = f"HTTP {response.status_code}"
                retry_after = retry_after_seconds(response.headers)
            delay = self.backoff.delay(min(attempt, 16), retry_after)
            if attempt == 1 or attempt % 10 == 0:
                self.report(f"{self.url}: {problem}; retrying until the engine acknowledges")
            if self.stop.wait(delay):
                raise MonitorStopped

    def _acknowledged(self, batch: list[dict[str, Any]], response: requests.Response) -> bool:
        try:
            receipts = response.json()
        except ValueError:
            return False
        if not isinstance(receipts, list):
            return False
        by_id = {r.get("intent_id"): r for r in receipts if isinstance(r, dict)}
        if any(i["intent_id"] not in by_id for i in batch):
            return False
        for intent in batch:
            receipt = by_id[intent["intent_id"]]
            if receipt.get("status") == "invalid":
                self.report(f"the engine refused {intent['intent_id']}: {receipt.get('reason')}")
        return True
