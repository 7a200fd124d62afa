"""The unit the latency target is stated in: single-row commits on a SQLite file of its own."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.figures.measure import latency_stats
from bench.figures.stores import Params


class CommitProbe:
    """Single-row commits on a SQLite file of its own (WAL, default synchronous, a 300-byte
    row each): the unit the latency target is stated in."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, state BLOB)")
        self.synchronous = int(self.conn.execute("PRAGMA synchronous").fetchone()[0])

    def commit(self) -> float:
        """One row in its own transaction; returns the seconds it took."""
        begun = time.perf_counter()
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO t (state) VALUES (?)", (b"x" * 300,))
        self.conn.execute("COMMIT")
        return time.perf_counter() - begun


def commit_probe(params: Params) -> dict[str, Any]:
    """Single-row SQLite commits back to back (see :class:`CommitProbe`)."""
    probe = CommitProbe(Path(params["home"]) / "commits.db")
    for _ in range(10):  # the first commits create the WAL
        probe.commit()
    times = [probe.commit() for _ in range(int(params.get("commits", 200)))]
    return {"synchronous": probe.synchronous, **latency_stats(times)}
