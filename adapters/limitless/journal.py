"""The order journal: every signed order's fields, written (fsynced) before it is sent.

Limitless has client order ids, but its order queries are per market: ``order_status`` needs
the market of an id, and a re-send after a crash must be the *identical* signed order (same
salt, amounts, fee rate and exchange), which the venue refuses with 409 if it has it. One JSON
line per order in ``orders-<address>.jsonl``; a ``final`` line once the order is closed and its
fills settled. Nothing secret is written (not even the signature).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class JournalEntry:
    """One signed order, as written before it was sent."""

    client_order_id: str
    slug: str
    token_id: str
    side: str
    order_type: str
    price: str
    size: str
    exchange: str
    salt: int
    maker_amount: int
    taker_amount: int
    fee_rate_bps: int
    owner_id: int


class OrderJournal:
    """Append-only JSONL journal (in memory only when ``path`` is None)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[str, JournalEntry] = {}
        self.final: set[str] = set()
        if path is not None and path.exists():
            for raw in path.read_text(encoding="utf-8").splitlines():
                try:
                    record: dict[str, Any] = json.loads(raw)
                except ValueError:
                    continue  # a torn last line of a crash: that order was never sent
                if record.get("final"):
                    self.final.add(str(record["client_order_id"]))
                else:
                    entry = JournalEntry(**record)
                    self.entries[entry.client_order_id] = entry

    def _append(self, record: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def record(self, entry: JournalEntry) -> None:
        """Write a signed order down (durably) before it is sent."""
        self._append(asdict(entry))
        self.entries[entry.client_order_id] = entry

    def mark_final(self, client_order_id: str) -> None:
        """The order is closed and its fills settled: stop following it."""
        if client_order_id not in self.final:
            self._append({"client_order_id": client_order_id, "final": True})
            self.final.add(client_order_id)

    def get(self, client_order_id: str) -> JournalEntry | None:
        """The signed order of a client order id, if it was ever signed and written."""
        return self.entries.get(client_order_id)

    def unfinished(self) -> list[JournalEntry]:
        """Orders still followed, in the order they were written."""
        return [e for cid, e in self.entries.items() if cid not in self.final]
