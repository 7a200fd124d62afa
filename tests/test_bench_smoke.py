"""The benchmark harness on a tiny workload: every figure runs and the outputs have their shape.

No timing is asserted: the figures only have to exist, agree on the events they measured, and
be reported (bench/results.md, bench/results.json) with the targets evaluated.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from adapters.dayfile import BadLine, read_day
from bench.harness import Bench
from bench.options import parse_args
from bench.phases.scaleout import measure_scaleout
from bench.postgres import postgres_version
from bench.profiling import FrameView, summarize
from bench.report.render import render_markdown
from bench.report.targets import evaluate_targets
from bench.run import run
from bench.workload import Workload, copy_of, spread_agents, write_workload
from tests.postgres import postgres_url

TAPE_FIGURES = ("intake_sqlite", "replay", "backtest", "rebuild", "recovery")
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
            "--signal-trades=2",  # the signal latency figure: tests/test_bench_signal.py
            "--signal-data-lag=0.3",
            "--signal-block=0.2",
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
    assert results["scaleout"] == {"skipped": "PostgreSQL: --no-postgres"}


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
    # the backtest leaves the live run's log, and replay re-checks it to the same digest
    assert figures["backtest"]["events"] == events
    assert figures["backtest"]["digest"] == figures["intake_sqlite"]["digest"]
    assert figures["replay"]["digest"] == figures["intake_sqlite"]["digest"]
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
    assert set(targets) == {"intake", "replay", "backtest", "latency", "scale", "memory"}
    for ident in ("intake", "replay", "backtest", "latency"):
        assert targets[ident]["met"] in (True, False)
    assert targets["memory"]["met"] is None  # one workload: nothing to compare
    assert targets["scale"]["met"] is None  # no PostgreSQL: no workers
    assert "by CPU time" in targets["replay"]["measured"]


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
    assert "Scale-out skipped: PostgreSQL: --no-postgres." in markdown
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


def test_spread_agents_renames_intents_only_and_redeliveries_alike(tmp_path: Path) -> None:
    day, _ = write_workload(Workload.named("tiny"), tmp_path)
    spread = tmp_path / "spread.jsonl"
    per_agent = spread_agents(day, spread, copies=5)
    before = day.read_text(encoding="utf-8").splitlines()
    after = spread.read_text(encoding="utf-8").splitlines()
    assert len(before) == len(after)
    renamed: dict[str, set[str]] = {}
    for old, new in zip(before, after, strict=True):
        if old == new:  # books, resolutions and bad lines are copied as they are
            continue
        was, now = json.loads(old)["intent"], json.loads(new)["intent"]
        assert now == {**was, "agent": f"{was['agent']}-{copy_of(was['intent_id'], 5)}"}
        renamed.setdefault(was["intent_id"], set()).add(now["agent"])
    assert all(len(agents) == 1 for agents in renamed.values())  # redeliveries: same copy
    assert sum(per_agent.values()) > len(renamed)  # the day has redeliveries
    assert sum(per_agent.values()) == sum(
        old != new for old, new in zip(before, after, strict=True)
    )
    bad_before = [r for r in read_day(before) if isinstance(r, BadLine)]
    assert bad_before == [r for r in read_day(after) if isinstance(r, BadLine)]
    assert any("intent record" in r.reason for r in bad_before)  # a JSON intent, left as is
    assert len(per_agent) > 3


def test_scaleout_on_postgres_decides_the_same_on_one_and_two_workers(
    tiny: tuple[dict[str, Any], Path], tmp_path: Path
) -> None:
    url = postgres_url()
    _version, problem = postgres_version(url)
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {url} is required in CI: {problem}")
        pytest.skip(f"no PostgreSQL at {url}: {problem}")
    options = parse_args(
        [
            "--sizes=tiny",
            f"--postgres-url={url}",
            "--scaleout-workers=1,2",
            f"--out={tmp_path / 'out'}",
            f"--work={tmp_path / 'work'}",
        ]
    )
    day, _ = write_workload(Workload.named("tiny"), tmp_path / "days")

    scaleout = measure_scaleout(Bench(options), "tiny", day, url)

    runs = scaleout["runs"]
    assert [r["workers"] for r in runs] == [1, 2]
    for figure in runs:
        assert "error" not in figure, figure
        assert figure["all_decided"]
        assert figure["intents"] == scaleout["intents"]
    assert runs[0]["digest"] == runs[1]["digest"]
    assert runs[0]["events"] == runs[1]["events"] > 0
    # each worker reads its own partition's intents: two do not read the log twice over
    assert runs[0]["read"] < runs[1]["read"] < 2 * runs[0]["read"]
    assert all(figure["cpu_ms_per_intent"] > 0 for figure in runs)
    split = {item["workers"]: item for item in scaleout["split"]}
    assert split[1]["agents"] == [scaleout["agents"]]
    assert all(n > 0 for n in split[2]["agents"])  # the agents really are split
    assert sum(split[2]["intents"]) == scaleout["intents"]
    results = json.loads(json.dumps(tiny[0]))
    results["scaleout"] = scaleout
    markdown = render_markdown(results)
    assert "## Scale-out on PostgreSQL" in markdown
    assert f"`{runs[0]['digest'][:16]}` (same)" in markdown
    assert "Predicted with a core for each worker" in markdown
    scale = {t["id"]: t for t in evaluate_targets(results)}["scale"]
    assert scale["met"] in (True, False)
