"""Baselines on the events Tape stored: the library saving them naively (one ``save()`` each,
or 1000 per save), plain ``sqlite3`` inserts and reads of the stored rows, and the library's
paged read with and without decoding."""

from __future__ import annotations

import math
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from bench.figures.measure import rate
from bench.figures.stores import PAGE, Params, event_count, pages, source_app, store_storage
from engine.application import TapeApplication


def naive(params: Params) -> dict[str, Any]:
    """The library used naively: the recorded events saved again one ``save()`` each (or
    ``batch`` per save) into a fresh application, until done or ``budget_s`` of saving."""
    source = source_app(params)
    total = event_count(source)
    target = TapeApplication(env=store_storage(params["target"]).env)
    batch = int(params.get("batch", 1))
    budget = float(params.get("budget_s", 0)) or math.inf
    saved, seconds, per_save = 0, 0.0, []
    for page in pages(source):
        events = [source.mapper.to_domain_event(n) for n in page]
        for i in range(0, len(events), batch):
            chunk = events[i : i + batch]
            begun = time.perf_counter()
            target.save(*chunk)
            took = time.perf_counter() - begun
            seconds += took
            per_save.append(took)
        saved += len(events)
        if seconds >= budget:
            break
    identical = _same_rows(source, target, min(saved, PAGE))
    target.close()
    return {
        "backend": store_storage(params["target"]).kind,
        "batch": batch,
        "events": total,
        "saved": saved,
        "complete": saved == total,
        "identical_rows": identical,
        "seconds": round(seconds, 3),
        "events_per_s": rate(saved, seconds),
        "median_save_ms": round(statistics.median(per_save) * 1000, 3) if per_save else None,
    }


def _same_rows(a: TapeApplication, b: TapeApplication, limit: int) -> bool:
    """Whether the first ``limit`` stored rows of two logs are the same to the byte."""
    if limit == 0:
        return True

    def rows(app: TapeApplication) -> list[tuple[str, int, str, bytes]]:
        page = app.recorder.select_notifications(start=1, limit=limit)
        return [(str(n.originator_id), n.originator_version, n.topic, bytes(n.state)) for n in page]

    return rows(a) == rows(b)


def _sqlite_rows(path: Path) -> sqlite3.Cursor:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return conn.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events ORDER BY rowid"
    )


def raw_insert(params: Params) -> dict[str, Any]:
    """The ceiling for writes: the recorded rows, as stored, inserted with plain ``sqlite3``
    into the library's table in a fresh file (WAL, default synchronous), one transaction."""
    storage = store_storage(params["target"])
    target_path = Path(storage.location)
    TapeApplication(env=storage.env).close()  # the library's own table
    conn = sqlite3.connect(target_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    rows = _sqlite_rows(Path(params["home"]) / "tape.db")
    insert = (
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "VALUES (?, ?, ?, ?)"
    )
    count, seconds = 0, 0.0
    begun = time.perf_counter()
    conn.execute("BEGIN")
    seconds += time.perf_counter() - begun
    while chunk := rows.fetchmany(10_000):
        begun = time.perf_counter()
        conn.executemany(insert, chunk)
        seconds += time.perf_counter() - begun
        count += len(chunk)
    begun = time.perf_counter()
    conn.execute("COMMIT")
    seconds += time.perf_counter() - begun
    conn.close()
    return {"rows": count, "seconds": round(seconds, 4), "rows_per_s": rate(count, seconds)}


def raw_read(params: Params) -> dict[str, Any]:
    """The ceiling for replay: every stored row read with a plain ``sqlite3`` SELECT."""
    path = Path(params["home"]) / "tape.db"
    start = time.perf_counter()
    cursor = sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute(
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    )
    count = 0
    while chunk := cursor.fetchmany(PAGE):
        count += len(chunk)
    seconds = time.perf_counter() - start
    return {"rows": count, "seconds": round(seconds, 4), "rows_per_s": rate(count, seconds)}


def library_read(params: Params) -> dict[str, Any]:
    """The library's own read of the log: ``select_notifications`` pages of 1000, then the
    same with every row decoded to its domain event (what any consumer needs)."""
    app = source_app(params)
    start = time.perf_counter()
    count = sum(len(page) for page in pages(app))
    paged = time.perf_counter() - start
    start = time.perf_counter()
    decoded = 0
    for page in pages(app):
        for notification in page:
            app.mapper.to_domain_event(notification)
            decoded += 1
    decoding = time.perf_counter() - start
    return {
        "rows": count,
        "pages_s": round(paged, 4),
        "rows_per_s": rate(count, paged),
        "decode_s": round(decoding, 4),
        "decoded_per_s": rate(decoded, decoding),
    }
