"""The rows of one read-model table inside one store transaction, as the mapping a fold
writes into: read on first use, cached, written back only when their JSON changed."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from projections.readstore import StoreTransaction
from projections.rows import decode_row, encode_row
from projections.views.base import TableSpec


class TableRows(MutableMapping[str, dict[str, Any]]):
    """The rows of one table inside one transaction, as the mapping a fold writes into.

    Rows are read on first use and cached; :meth:`flush` writes back the ones whose JSON
    changed (a fold mutates the dicts it was given). It cannot be iterated: a fold looks rows
    up by key.
    """

    def __init__(self, txn: StoreTransaction, spec: TableSpec) -> None:
        self.txn = txn
        self.spec = spec
        self._rows: dict[str, dict[str, Any] | None] = {}
        self._stored: dict[str, str | None] = {}

    def _load(self, key: str) -> dict[str, Any] | None:
        if key not in self._rows:
            data = self.txn.get(self.spec.name, key)
            self._stored[key] = data
            self._rows[key] = decode_row(data) if data is not None else None
        return self._rows[key]

    def __getitem__(self, key: str) -> dict[str, Any]:
        row = self._load(key)
        if row is None:
            raise KeyError(key)
        return row

    def __setitem__(self, key: str, row: dict[str, Any]) -> None:
        self._load(key)
        self._rows[key] = row

    def __delitem__(self, key: str) -> None:
        if self._load(key) is None:
            raise KeyError(key)
        self._rows[key] = None

    def __iter__(self) -> Iterator[str]:
        raise TypeError(f"the rows of {self.spec.name} are looked up by key, not iterated")

    def __len__(self) -> int:
        raise TypeError(f"the rows of {self.spec.name} are looked up by key, not counted")

    def flush(self) -> int:
        """Write the rows that changed; returns how many."""
        written = 0
        for key, row in self._rows.items():
            stored = self._stored.get(key)
            if row is None:
                if stored is not None:
                    self.txn.delete(self.spec.name, key)
                    written += 1
                continue
            data = encode_row(row)
            if data != stored:
                self.txn.upsert(self.spec.name, key, self.spec.index(row), data)
                self._stored[key] = data
                written += 1
        return written
