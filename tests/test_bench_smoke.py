"""The benchmark harness on a tiny workload: every figure runs and the outputs have their shape.

No timing is asserted: the figures only have to exist, agree on the events they measured, and
be reported (bench/results.md, bench/results.json) with the targets evaluated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.profiling import FrameView, summarize
from bench.report import evaluate_targets, render_markdown
from bench.run import parse_args, run

TAPE_FIGURES = ("intake_sqlite", "replay", "rebuild", "recovery")
BASELINES = ("naive_sqlite", "batched_sqlite", "raw_insert", "raw_read", "library_read")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One harness run on the ``tiny`` workload (a few hundred events), results in a tmp dir."""
    root = tmp_path_factory.mktemp("bench")
    options = parse_args(
        [
            "--sizes=tiny",
            "--no-postgres",
            "--no-profile",
            "--naive-budget=0",
            "--latency-intents=12",
            "--latency-rate=40",
            "--latency-warmup=2",
            f"--out={root / 'out'}",
            f"--work={root / 'work'}",
        ]
    )
    return run(options), root / "out"


def test_every_figure_of_the_tiny_workload_ran(tiny: tuple[dict[str, Any], Path]) -> None:
    results, _ = tiny
    figures = results["runs"]["tiny"]
    for name in (*TAPE_FIGURES, *BASELINES):
        assert "error" not in figures[name], (name, figures[name])
        assert figures[name]["peak_rss_mb"] > 0
    assert "intake_postgres" not in figures  # --no-postgres
    assert results["meta"]["postgres"]["skipped"] == "--no-postgres"


def test_the_figures_measure_the_same_log(tiny: tuple[dict[str, Any], Path]) -> None:
    results, _ = tiny
    figures = results["runs"]["tiny"]
    events = figures["intake_sqlite"]["events"]
    assert 100 < events < 1000
    assert results["workloads"][0]["events"] == events
    assert figures["raw_insert"]["rows"] == figures["raw_read"]["rows"] == events
    assert figures["library_read"]["rows"] == events
    assert figures["replay"]["events"] == figures["rebuild"]["read"] == events
    assert figures["replay"]["ok"]
    assert figures["recovery"]["events"] == events
    for name in ("naive_sqlite", "batched_sqlite"):
        assert figures[name]["complete"]
        assert figures[name]["saved"] == events
        assert figures[name]["identical_rows"]


def test_latency_and_commit_samples_are_taken(tiny: tuple[dict[str, Any], Path]) -> None:
    results, _ = tiny
    latency = results["single"]["latency"]
    assert latency["to_venue"]["samples"] > 0
    assert latency["handled"]["samples"] == 12
    stats = latency["to_venue"]
    assert stats["p50_ms"] <= stats["p99_ms"] <= stats["max_ms"]
    assert results["single"]["commit_probe"]["samples"] == 300


def test_targets_are_evaluated(tiny: tuple[dict[str, Any], Path]) -> None:
    results, _ = tiny
    targets = {t["id"]: t for t in results["targets"]}
    assert set(targets) == {"intake", "replay", "latency", "memory"}
    for ident in ("intake", "replay", "latency"):
        assert targets[ident]["met"] in (True, False)
    assert targets["memory"]["met"] is None  # one workload: nothing to compare


def test_results_files_have_their_structure(tiny: tuple[dict[str, Any], Path]) -> None:
    results, out = tiny
    stored = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert stored["schema"] == "tape.bench/1"
    for key in ("date", "python", "sqlite", "eventsourcing", "cores"):
        assert stored["meta"][key]
    assert stored["targets"] == results["targets"]
    markdown = (out / "results.md").read_text(encoding="utf-8")
    for heading in ("# Tape benchmarks", "## Targets", "## Tape against the baselines"):
        assert heading in markdown
    for heading in ("## Latency", "## Memory", "## Baselines", "## What-ifs"):
        assert heading in markdown
    assert "| intake, SQLite (default durability) | tiny (" in markdown
    assert f"**{results['meta']['cores']} cores**" in markdown


def test_a_failed_figure_is_reported_not_raised(tiny: tuple[dict[str, Any], Path]) -> None:
    results, _ = tiny
    broken = json.loads(json.dumps(results))
    broken["runs"]["tiny"]["replay"] = {"error": "boom", "wall_s": 0.1}
    targets = {t["id"]: t for t in evaluate_targets(broken)}
    assert targets["replay"]["met"] is None
    assert "failed: boom" in render_markdown(broken)


def test_profile_summary_counts_recursion_once() -> None:
    def frame(label: str, time: float, *children: FrameView) -> FrameView:
        own = time - sum(c.time for c in children)
        return FrameView(label, label.split(maxsplit=1)[0], "x.py", time, own, False, children)

    inner = frame("f (x.py:1)", 2.0, frame("Connection.commit (<built-in>)", 1.8))
    root = frame("main (x.py:9)", 4.0, frame("f (x.py:1)", 3.0, inner))
    summary = summarize(root)
    inclusive = {item["function"]: item["share"] for item in summary["top_inclusive"]}
    assert inclusive["f (x.py:1)"] == 0.75  # 3 of 4 s, not 5
    top_self = summary["top_self"][0]
    assert top_self["function"] == "Connection.commit (<built-in>)"
    assert top_self["share"] == 0.45
