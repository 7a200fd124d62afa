"""The whole Markdown report (``bench/results.md``): the header, the targets, then every
section in order, the analysis (``bench/notes.md``) and the run's notes."""

from __future__ import annotations

from typing import Any

from bench.report.baselines import baselines_section
from bench.report.cells import table
from bench.report.comparison import comparison_section
from bench.report.latency import latency_section
from bench.report.memory import memory_section
from bench.report.profiles import profile_section
from bench.report.scaleout import scaleout_section
from bench.report.what_if import what_if_section
from bench.signal_latency.report import signal_section


def _header(results: dict[str, Any]) -> list[str]:
    meta = results["meta"]
    pg = meta.get("postgres", {})
    pg_text = f"PostgreSQL {pg['version']}" if pg.get("version") else "PostgreSQL skipped"
    if pg.get("skipped"):
        pg_text += f" ({pg['skipped']})"
    options = meta.get("options", {})
    return [
        "# Tape benchmarks",
        "",
        f"Measured {meta['date']} on **{meta['cores']} cores** ({meta.get('cpu') or '?'}), "
        f"Python {meta['python']}, SQLite {meta['sqlite']}, eventsourcing "
        f"{meta['eventsourcing']}, {pg_text}; git {meta.get('git', '?')}. The whole run took "
        f"{meta.get('duration_s', '?')} s. Workloads: the seeded sample day (seed 7) sized "
        f"by stored events ({', '.join(options.get('sizes', []))}). Every figure ran in its "
        "own process; peak RSS is that process's (`getrusage`), interpreter and imports "
        "included. Reproduce with `make bench` (`make bench BENCH_ARGS=--large` adds 1M).",
        "",
    ]


def _targets_section(results: dict[str, Any]) -> list[str]:
    rows = []
    for target in results.get("targets", []):
        met = {True: "**met**", False: "**not met**", None: "not measured"}[target["met"]]
        why = target.get("detail", "") if target["met"] is False else ""
        rows.append([target["target"], target["measured"], met, why])
    header = ["target", "measured", "verdict", "why not, and what would meet it"]
    return ["## Targets", "", *table(header, rows), ""]


def render_markdown(results: dict[str, Any], analysis: str = "") -> str:
    """The whole report."""
    lines = [
        *_header(results),
        *_targets_section(results),
        *comparison_section(results),
        *scaleout_section(results),
        *latency_section(results),
        *signal_section(results),
        *memory_section(results),
        *baselines_section(results),
        *what_if_section(results),
        *profile_section(results),
    ]
    if analysis.strip():
        lines += [analysis.strip(), ""]
    notes = results.get("notes") or []
    if notes:
        lines += ["## Notes", "", *(f"- {note}" for note in notes), ""]
    return "\n".join(lines)
