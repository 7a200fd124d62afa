"""The "Memory" section: each Tape figure's peak RSS per workload, and its growth per event."""

from __future__ import annotations

from typing import Any

from bench.report.cells import ran, rss_text, table
from bench.report.targets import MEMORY_FIGURES


def memory_section(results: dict[str, Any]) -> list[str]:
    """Peak RSS of each Tape figure on each workload, and its growth per extra event."""
    runs = results.get("runs", {})
    sizes = list(runs)
    rows = []
    for key, label in MEMORY_FIGURES.items():
        cells = []
        for size in sizes:
            figure = runs[size].get(key)
            cells.append(rss_text(figure))
        per_event = ""
        a, b = runs[sizes[0]].get(key), runs[sizes[-1]].get(key)
        if len(sizes) >= 2 and ran(a) and ran(b) and b["events"] != a["events"]:
            slope = (
                (b["peak_rss_mb"] - a["peak_rss_mb"]) * 1024 * 1024 / (b["events"] - a["events"])
            )
            per_event = f"{slope:,.0f} B"
        rows.append([label, *cells, per_event])
    header = ["figure", *(f"peak RSS MB, {s}" for s in sizes), "growth per extra event"]
    return ["## Memory", "", *table(header, rows), ""]
