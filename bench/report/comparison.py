"""The "Tape against the baselines" table: intake, replay, rebuild and recovery on each
workload, each against the baselines measured on the same events."""

from __future__ import annotations

from typing import Any

from bench.report.cells import amount, failure_text, ran, rss_text, table, times


def _intake_rows(size: str, run: dict[str, Any]) -> list[list[str]]:
    intake = run.get("intake_sqlite")
    if not ran(intake):
        return [["intake, SQLite", size, failure_text(intake), "", "", ""]]
    rows: list[list[str]] = []
    label = f"{size} ({amount(intake['events'])} events)"
    tape = (
        f"{amount(intake['intents_per_s'])} intents/s = {amount(intake['events_per_s'])} events/s "
        f"({intake['intents']:,} intents in {intake['seconds']:.1f} s)"
    )
    for name, base, unit in (
        ("library, one save() per event", run.get("naive_sqlite"), "events_per_s"),
        ("library, 1000 events per save()", run.get("batched_sqlite"), "events_per_s"),
        ("raw sqlite3 inserts, one transaction", run.get("raw_insert"), "rows_per_s"),
    ):
        if ran(base) and base[unit]:
            ratio = times(intake["events_per_s"] / base[unit])
            base_text = f"{name}: {amount(base[unit])} events/s"
            rows.append(["intake, SQLite (default durability)", label, tape, base_text, ratio])
            rows[-1].append(rss_text(intake))
            tape, label = '"', '"'
    pg, naive_pg = run.get("intake_postgres"), run.get("naive_postgres")
    if pg is not None and not ran(pg):
        rows.append(["intake, PostgreSQL", size, failure_text(pg), "", "", ""])
    elif pg is not None:
        base, ratio = failure_text(naive_pg), "n/a"
        if ran(naive_pg) and naive_pg["events_per_s"]:
            base = f"library, one save() per event: {amount(naive_pg['events_per_s'])} events/s"
            ratio = times(pg["events_per_s"] / naive_pg["events_per_s"])
        rows.append(
            [
                "intake, PostgreSQL",
                f"{size} ({amount(pg['events'])} events)",
                f"{amount(pg['intents_per_s'])} intents/s = {amount(pg['events_per_s'])} events/s",
                base,
                ratio,
                rss_text(pg),
            ]
        )
    return rows


def _read_rows(size: str, run: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    for key, name in (("replay", "replay --verify"), ("rebuild", "projections rebuild")):
        figure = run.get(key)
        if not ran(figure):
            rows.append([name, size, failure_text(figure), "", "", ""])
            continue
        tape = f"{amount(figure['events_per_s'])} events/s ({figure['seconds']:.1f} s)"
        if key == "replay" and not figure.get("ok"):
            tape += " **(verification failed)**"
        label = f"{size} ({amount(figure['events'])} events)"
        for base_name, base, unit in (
            ("raw sqlite3 SELECT of the log", run.get("raw_read"), "rows_per_s"),
            ("library select_notifications + decode", run.get("library_read"), "decoded_per_s"),
        ):
            if ran(base) and base[unit]:
                ratio = times(figure["events_per_s"] / base[unit])
                base_text = f"{base_name}: {amount(base[unit])} events/s"
                rows.append([name, label, tape, base_text, ratio, rss_text(figure)])
                tape, label = '"', '"'
    return rows


def _recovery_rows(size: str, run: dict[str, Any]) -> list[list[str]]:
    recovery = run.get("recovery")
    if not ran(recovery):
        return [["recovery", size, failure_text(recovery), "", "", ""]]
    tape = (
        f"{recovery['seconds']:.2f} s (open {recovery['open_s']:.2f} s, recover "
        f"{recovery['recover_s']:.2f} s; {recovery['from_process_start_s']:.2f} s from "
        "process start)"
    )
    label = f"{size} ({amount(recovery['events'])} events)"
    return [["recovery (open + recover())", label, tape, "", "", rss_text(recovery)]]


def _tape_rows(size: str, run: dict[str, Any]) -> list[list[str]]:
    return _intake_rows(size, run) + _read_rows(size, run) + _recovery_rows(size, run)


def comparison_section(results: dict[str, Any]) -> list[str]:
    """Tape's figures on each workload against the baselines of the same run."""
    rows: list[list[str]] = []
    for size, run in results.get("runs", {}).items():
        rows += _tape_rows(size, run)
    header = ["figure", "workload", "Tape", "baseline (same run, same events)", "Tape / baseline"]
    return [
        "## Tape against the baselines",
        "",
        'Rates are stored events per second unless they say intents; `"` repeats the cell '
        "above. Intake is a whole `tape run` of the day (parse, firewall, sizing, "
        "write-ahead, paper venue, fills recorded); its events/s is the log it leaves over "
        "the time it took, so it compares with the baselines writing the same log.",
        "",
        *table([*header, "peak RSS MB"], rows),
        "",
    ]
