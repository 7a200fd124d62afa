"""The order journal: client order id -> signed order hash, written before the order is sent.

Polymarket has no client order id. The venue's id of an order is the EIP-712 hash of the
signed order, and the signed order holds a millisecond timestamp, so the hash cannot be
recomputed later from the engine's order alone. The adapter therefore appends one JSON line
per signed order to ``orders.jsonl`` (flushed and fsynced) **before** the POST, and reads the
file back on start. ``order_status(client_order_id)`` looks the hash up here and asks the venue
about that hash; a client order id that is not in the journal was never sent. A later
``final`` line marks an order whose fills are all settled, so a restart stops following it.

The salt of each order is derived from the client order id (sha256), so a journal line can be
checked against the order it names. Nothing secret is written: the order's fields and its
hash (the signature is not kept).
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
    order_hash: str
    token_id: str
    market_id: str
    side: str
    order_type: str
    price: str
    size: str
    neg_risk: bool
    maker_amount: int
    taker_amount: int
    salt: int
    timestamp_ms: int


class OrderJournal:
    """Append-only JSONL journal of signed orders (in memory only when ``path`` is None)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[str, JournalEntry] = {}
        self.final: set[str] = set()
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        with path.open(encoding="utf-8") as handle:
            for raw in handle:
                line = raw.strip()
                if not line:
                    continue
                try:
                    record: dict[str, Any] = json.loads(line)
                except ValueError:
                    continue  # a torn last line of a crash: the order was never sent
                if record.get("final"):
                    self.final.add(str(record["client_order_id"]))
                    continue
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
        if client_order_id in self.final:
            return
        self._append({"client_order_id": client_order_id, "final": True})
        self.final.add(client_order_id)

    def get(self, client_order_id: str) -> JournalEntry | None:
        """The signed order of a client order id, if it was ever signed and written."""
        return self.entries.get(client_order_id)

    def unfinished(self) -> list[JournalEntry]:
        """Orders still followed, in the order they were written."""
        return [e for cid, e in self.entries.items() if cid not in self.final]
