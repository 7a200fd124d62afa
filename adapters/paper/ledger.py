"""The paper venue process's durable ledger: every order it took, in a SQLite file, written
(and synced) before the answer leaves, so it survives the engine's death like a real venue,
and the venue's own: a restarted ``tape paper-venue`` reads it back (see ``server.py``).

Each row holds the order's venue, its account (the agent), the account's time when the row
was last written, and the order as JSON (with the account and the time the venue took it).
A file written before accounts existed gains the two columns, empty, when it is opened.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class LedgerRow:
    """One order as the file holds it."""

    venue: str
    account: str
    at: str  # the account's time when the row was last written ("" in an old file)
    order: dict[str, Any]
    line: int = sys.maxsize  # the account's input line then (an old file: after the second)
    taken_line: int = sys.maxsize  # the input line the order was taken at


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
            " body TEXT NOT NULL,"
            " account TEXT NOT NULL DEFAULT '',"
            " at TEXT NOT NULL DEFAULT '',"
            f" line INTEGER NOT NULL DEFAULT {sys.maxsize},"
            f" taken_line INTEGER NOT NULL DEFAULT {sys.maxsize})"
        )
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(orders)")}
        for column in ("account", "at"):
            if column not in columns:  # a ledger written before accounts
                self._conn.execute(
                    f"ALTER TABLE orders ADD COLUMN {column} TEXT NOT NULL DEFAULT ''"
                )
        for column in ("line", "taken_line"):
            if column not in columns:  # a ledger written before input lines
                self._conn.execute(
                    f"ALTER TABLE orders ADD COLUMN {column} INTEGER NOT NULL DEFAULT {sys.maxsize}"
                )

    def save(
        self,
        venue: str,
        order: dict[str, Any],
        *,
        account: str = "",
        at: str = "",
        line: int = sys.maxsize,
    ) -> None:
        """Insert or update one order (``at``, ``line``: its account's moment now; the first
        save also keeps ``line`` as the line the order was taken at)."""
        self._conn.execute(
            "INSERT INTO orders (venue, client_order_id, body, account, at, line, taken_line)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(client_order_id) DO UPDATE SET body = excluded.body,"
            " at = excluded.at, line = excluded.line",
            (
                venue,
                order["client_order_id"],
                json.dumps(order, sort_keys=True),
                account,
                at,
                line,
                line,
            ),
        )

    def orders(self) -> list[dict[str, Any]]:
        """Every order, in the order they arrived, each with its venue."""
        return [{"venue": row.venue, **row.order} for row in self.rows()]

    def rows(self) -> list[LedgerRow]:
        """Every row, in the order the orders arrived."""
        rows = self._conn.execute(
            "SELECT venue, account, at, body, line, taken_line FROM orders ORDER BY seq"
        )
        return [
            LedgerRow(venue, account, at, json.loads(body), line, taken)
            for venue, account, at, body, line, taken in rows
        ]

    def close(self) -> None:
        """Close the file."""
        self._conn.close()
