"""Each Kalshi order written down (fsynced) before it is sent.

Kalshi keeps our ``client_order_id``, but its order list is filtered by ticker, not by client
id. The journal holds, per engine client order id, the ticker and the exact V2 body, so that
after a crash ``order_status`` knows where to look, and a resubmission sends the very same
body (the same client id: Kalshi answers 409 if it has it). A ``final`` line marks an order
that is closed (or refused, with its code), so a restart stops following it. Nothing secret
is written.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class JournalEntry:
    """One order as it was (to be) sent."""

    client_order_id: str
    token_id: str
    order_type: str
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ticker(self) -> str:
        """The market's ticker."""
        return str(self.body["ticker"])

    @property
    def kalshi_id(self) -> str:
        """The ``client_order_id`` Kalshi holds."""
        return str(self.body["client_order_id"])


@dataclass(frozen=True)
class Final:
    """An order that needs no more following: closed, or refused (code and message)."""

    reject_code: str = ""
    reject_message: str = ""


class OrderJournal:
    """Append-only JSONL of orders (in memory only when ``path`` is None)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[str, JournalEntry] = {}
        self.final: dict[str, Final] = {}
        if path is not None and path.exists():
            for raw in path.read_text(encoding="utf-8").splitlines():
                try:
                    record: dict[str, Any] = json.loads(raw)
                except ValueError:
                    continue  # a torn last line of a crash: that order was never sent
                cid = str(record.get("client_order_id", ""))
                if record.get("final"):
                    self.final[cid] = Final(
                        str(record.get("reject_code", "")), str(record.get("reject_message", ""))
                    )
                elif "body" in record:
                    self.entries[cid] = JournalEntry(**record)

    def _append(self, record: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def record(self, entry: JournalEntry) -> None:
        """Write an order down (durably) before it is sent."""
        self._append(asdict(entry))
        self.entries[entry.client_order_id] = entry

    def mark_final(self, client_order_id: str, final: Final | None = None) -> None:
        """The order is closed (or was refused): stop following it."""
        if client_order_id in self.final:
            return
        final = final or Final()
        self._append({"client_order_id": client_order_id, "final": True, **asdict(final)})
        self.final[client_order_id] = final

    def get(self, client_order_id: str) -> JournalEntry | None:
        """The order of an engine client order id, if it was ever written."""
        return self.entries.get(client_order_id)

    def unfinished(self) -> list[JournalEntry]:
        """Orders still followed, in the order they were written."""
        return [e for cid, e in self.entries.items() if cid not in self.final]
