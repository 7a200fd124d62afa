"""A venue adapter's order journal: each order written down (fsynced) before it is sent, read
back on start, and a ``final`` line once it needs no more following.

One JSON line per order, in the order written; a torn last line (a crash mid-write) is skipped,
since that order was never sent. Each venue says what an entry holds (``entry_type``, a
dataclass) and may add details to its final lines (a refusal's code). Nothing secret belongs in
an entry.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

Entry = TypeVar("Entry")


class OrderJournal(Generic[Entry]):
    """Append-only JSONL journal of orders (in memory only when ``path`` is None)."""

    entry_type: ClassVar[type]

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[str, Entry] = {}
        self.final: dict[str, dict[str, str]] = {}  # client order id -> its final line's details
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        for raw in path.read_text(encoding="utf-8").splitlines():
            if not raw.strip():
                continue
            try:
                record: dict[str, Any] = json.loads(raw)
            except ValueError:
                continue  # a torn last line of a crash: that order was never sent
            client_order_id = str(record.pop("client_order_id", ""))
            if record.pop("final", False):
                self.final[client_order_id] = {k: str(v) for k, v in record.items()}
            else:
                self.entries[client_order_id] = self.entry_type(
                    client_order_id=client_order_id, **record
                )

    def _append(self, record: dict[str, Any]) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def record(self, entry: Entry) -> None:
        """Write an order down (durably) before it is sent."""
        fields = asdict(entry)  # type: ignore[call-overload]
        self._append(fields)
        self.entries[str(fields["client_order_id"])] = entry

    def mark_final(self, client_order_id: str, **details: str) -> None:
        """The order is closed (its fills settled, or it was refused): stop following it."""
        if client_order_id in self.final:
            return
        self._append({"client_order_id": client_order_id, "final": True, **details})
        self.final[client_order_id] = dict(details)

    def get(self, client_order_id: str) -> Entry | None:
        """The order of a client order id, if it was ever written."""
        return self.entries.get(client_order_id)

    def unfinished(self) -> list[Entry]:
        """Orders still followed, in the order they were written."""
        return [e for cid, e in self.entries.items() if cid not in self.final]
