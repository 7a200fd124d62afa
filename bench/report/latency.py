"""The "Latency" section: intents offered at a fixed rate, against single-row commits."""

from __future__ import annotations

from typing import Any

from bench.report.cells import failure_text, ran, table

_COLUMNS = ("p50_ms", "p90_ms", "p99_ms", "max_ms")


def latency_section(results: dict[str, Any]) -> list[str]:
    """The latencies of the run at a fixed rate, with the commits they are measured against."""
    single = results.get("single", {})
    latency, probe = single.get("latency"), single.get("commit_probe")
    lines = ["## Latency", ""]
    if not ran(latency):
        return [*lines, f"Latency: {failure_text(latency)}", ""]
    lines.append(
        f"{latency['offered']} intents offered at {latency['rate_per_s']:g} intents/s (after "
        f"{latency['warmup']} not measured), each released at its slot whether or not the "
        "engine was done with the previous one, so queueing would show. *To venue*: from the "
        "slot to the in-process paper venue's `submit` (parse, receive, decide; that venue "
        "needs no write-ahead commit, and steps that call no venue ride with the next group "
        "commit), for the intents that placed an order. *Handled*: from the "
        "slot to the end of the intent's processing (fills recorded), every intent."
    )
    lines.append("")
    rows = [
        [name, str(stats["samples"]), *(f"{stats[key]:.2f}" for key in _COLUMNS)]
        for name, stats in (
            ("to venue", latency["to_venue"]),
            ("handled", latency["handled"]),
            ("single-row SQLite commit, in the idle gaps of this run", latency.get("commit")),
            ("single-row SQLite commit, back to back just before", probe),
        )
        if ran(stats) and stats.get("samples")
    ]
    lines += table(["latency", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows)
    return [*lines, ""]
