"""The paper venue process's durable ledger: every order it took, in a SQLite file, written
(and synced) before the answer leaves, so it survives the engine's death like a real venue."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any


class LedgerFile:
    """Orders by client order id, as JSON, in arrival order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS orders ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " venue TEXT NOT NULL,"
            " client_order_id TEXT NOT NULL UNIQUE,"
            " body TEXT NOT NULL)"
        )

    def save(self, venue: str, order: dict[str, Any]) -> None:
        """Insert or update one order."""
        self._conn.execute(
            "INSERT INTO orders (venue, client_order_id, body) VALUES (?, ?, ?)"
            " ON CONFLICT(client_order_id) DO UPDATE SET body = excluded.body",
            (venue, order["client_order_id"], json.dumps(order, sort_keys=True)),
        )

    def orders(self) -> list[dict[str, Any]]:
        """Every order, in the order they arrived, each with its venue."""
        rows = self._conn.execute("SELECT venue, body FROM orders ORDER BY seq").fetchall()
        return [{"venue": venue, **json.loads(body)} for venue, body in rows]

    def close(self) -> None:
        """Close the file."""
        self._conn.close()
