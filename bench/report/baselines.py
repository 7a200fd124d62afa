"""The "Baselines" section: every baseline's own figures."""

from __future__ import annotations

from typing import Any

from bench.report.cells import amount, failure_text, ran, rss_text, table

_BASELINES = (
    ("naive_sqlite", "library, one save() per event, SQLite", "events_per_s"),
    ("naive_postgres", "library, one save() per event, PostgreSQL", "events_per_s"),
    ("batched_sqlite", "library, 1000 events per save(), SQLite", "events_per_s"),
    ("raw_insert", "raw sqlite3 insert of the stored rows, one transaction", "rows_per_s"),
    ("raw_read", "raw sqlite3 SELECT of the log", "rows_per_s"),
    ("library_read", "library select_notifications, pages of 1000", "rows_per_s"),
    ("library_read", "the same, each row decoded to its event", "decoded_per_s"),
)
"""(the figure, its row's name, the rate shown), in the table's order."""


def baselines_section(results: dict[str, Any]) -> list[str]:
    """Each baseline's rate, what it covered and its peak RSS."""
    rows = []
    for size, run in results.get("runs", {}).items():
        for key, name, unit in _BASELINES:
            figure = run.get(key)
            if figure is None:
                continue
            if not ran(figure):
                rows.append([name, size, failure_text(figure), "", ""])
                continue
            rate = f"{amount(figure[unit])} events/s"
            rows.append([name, size, rate, _notes(figure), rss_text(figure)])
    return [
        "## Baselines",
        "",
        *table(["baseline", "workload", "rate", "notes", "peak RSS MB"], rows),
        "",
    ]


def _notes(figure: dict[str, Any]) -> str:
    """What a baseline covered: the rows it read or wrote, or the events it saved again."""
    if "saved" not in figure:
        return f"{figure['rows']:,} rows"
    note = (
        "all events"
        if figure["complete"]
        else (f"first {figure['saved']:,} of {figure['events']:,} events (time budget)")
    )
    note += (
        "; rows identical to Tape's"
        if figure["identical_rows"]
        else "; **rows differ from Tape's**"
    )
    return f"{note}; median save() {figure['median_save_ms']:.2f} ms"
