"""The "Baselines" section: every baseline's own figures."""

from __future__ import annotations

from typing import Any

from bench.report.cells import amount, failure_text, ran, rss_text, table


def baselines_section(results: dict[str, Any]) -> list[str]:
    """Each baseline's rate, what it covered and its peak RSS."""
    rows = []
    for size, run in results.get("runs", {}).items():
        for key, name in (
            ("naive_sqlite", "library, one save() per event, SQLite"),
            ("naive_postgres", "library, one save() per event, PostgreSQL"),
            ("batched_sqlite", "library, 1000 events per save(), SQLite"),
        ):
            figure = run.get(key)
            if figure is None:
                continue
            if not ran(figure):
                rows.append([name, size, failure_text(figure), "", ""])
                continue
            note = (
                "all events"
                if figure["complete"]
                else (f"first {figure['saved']:,} of {figure['events']:,} events (time budget)")
            )
            note += (
                "; rows identical to Tape's"
                if figure["identical_rows"]
                else ("; **rows differ from Tape's**")
            )
            rows.append(
                [
                    name,
                    size,
                    f"{amount(figure['events_per_s'])} events/s",
                    f"{note}; median save() {figure['median_save_ms']:.2f} ms",
                    rss_text(figure),
                ]
            )
        for key, name, unit in (
            ("raw_insert", "raw sqlite3 insert of the stored rows, one transaction", "rows_per_s"),
            ("raw_read", "raw sqlite3 SELECT of the log", "rows_per_s"),
            ("library_read", "library select_notifications, pages of 1000", "rows_per_s"),
            ("library_read", "the same, each row decoded to its event", "decoded_per_s"),
        ):
            figure = run.get(key)
            if figure is None:
                continue
            if not ran(figure):
                rows.append([name, size, failure_text(figure), "", ""])
                continue
            rows.append(
                [
                    name,
                    size,
                    f"{amount(figure[unit])} events/s",
                    f"{figure['rows']:,} rows",
                    rss_text(figure),
                ]
            )
    return [
        "## Baselines",
        "",
        *table(["baseline", "workload", "rate", "notes", "peak RSS MB"], rows),
        "",
    ]
