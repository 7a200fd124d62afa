"""The targets of issue 8, evaluated on a run's results, and the Markdown report.

Targets (reported, never asserted):

- intake at least 3x the naive baseline (Tape's stored events per second during intake,
  against the library saving the same events one ``save()`` each);
- ``replay --verify`` at least half the speed of the raw read of the log;
- p99 latency (intent arrival to venue call) under 5 times the median single-row SQLite commit;
- memory flat in the number of events: each Tape figure's peak RSS on the largest workload
  within :data:`FLAT_GROWTH` of its peak on the smallest (events grow 10x between them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeGuard

INTAKE_TARGET = 3.0
REPLAY_TARGET = 0.5
LATENCY_TARGET = 5.0
FLAT_GROWTH = 1.2
MEMORY_FIGURES = {
    "intake_sqlite": "intake (SQLite)",
    "replay": "replay --verify",
    "rebuild": "projections rebuild",
    "recovery": "recovery",
}


def _ok(figure: dict[str, Any] | None) -> TypeGuard[dict[str, Any]]:
    """Whether a figure ran (and did not fail)."""
    return bool(figure) and "error" not in (figure or {})


def _x(value: float) -> str:
    """A ratio: 2 significant digits below 10, whole above."""
    if value >= 10:
        return f"{value:,.0f}x"
    if value >= 0.1:
        return f"{value:.2f}x"
    return f"{value:.2g}x"


def _n(value: float | None) -> str:
    """A count or rate with thousands separators."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _sizes(results: dict[str, Any]) -> list[str]:
    return list(results.get("runs", {}))


def _target(
    ident: str, target: str, parts: list[str], met: list[bool], detail: str = ""
) -> dict[str, Any]:
    return {
        "id": ident,
        "target": target,
        "measured": "; ".join(parts) if parts else "not measured",
        "met": all(met) if met else None,
        "detail": detail,
    }


def evaluate_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target with what was measured and whether it is met (None: not measured)."""
    runs = results.get("runs", {})
    targets = []

    parts, met = [], []
    for size, run in runs.items():
        tape, naive = run.get("intake_sqlite"), run.get("naive_sqlite")
        if _ok(tape) and _ok(naive) and naive["events_per_s"]:
            ratio = tape["events_per_s"] / naive["events_per_s"]
            met.append(ratio >= INTAKE_TARGET)
            parts.append(
                f"{size}: {_x(ratio)} ({_n(tape['events_per_s'])} vs "
                f"{_n(naive['events_per_s'])} events/s)"
            )
    targets.append(
        _target(
            "intake",
            f"intake >= {INTAKE_TARGET:g}x the naive baseline (SQLite, events/s)",
            parts,
            met,
        )
    )

    parts, met = [], []
    for size, run in runs.items():
        tape, raw = run.get("replay"), run.get("raw_read")
        if _ok(tape) and _ok(raw) and raw["rows_per_s"]:
            ratio = tape["events_per_s"] / raw["rows_per_s"]
            met.append(ratio >= REPLAY_TARGET and bool(tape.get("ok")))
            parts.append(
                f"{size}: {_x(ratio)} ({_n(tape['events_per_s'])} vs "
                f"{_n(raw['rows_per_s'])} events/s)"
            )
    targets.append(
        _target(
            "replay",
            f"replay --verify >= {REPLAY_TARGET:g}x the raw read of the log",
            parts,
            met,
        )
    )

    latency = results.get("single", {}).get("latency")
    commit_stats = commit_unit(results)
    parts, met = [], []
    if _ok(latency) and commit_stats and latency["to_venue"].get("samples"):
        p99, commit = latency["to_venue"]["p99_ms"], commit_stats["p50_ms"]
        met.append(p99 < LATENCY_TARGET * commit)
        parts.append(
            f"p99 {p99:.2f} ms vs {LATENCY_TARGET:g} x {commit:.2f} ms = "
            f"{LATENCY_TARGET * commit:.2f} ms ({_x(p99 / commit)} the commit)"
        )
    targets.append(
        _target(
            "latency",
            f"p99 intent-to-venue latency < {LATENCY_TARGET:g}x the median single-row commit",
            parts,
            met,
        )
    )

    parts, met = [], []
    sizes = _sizes(results)
    if len(sizes) >= 2:
        first, last = runs[sizes[0]], runs[sizes[-1]]
        for key, label in MEMORY_FIGURES.items():
            a, b = first.get(key), last.get(key)
            if _ok(a) and _ok(b):
                growth = b["peak_rss_mb"] / a["peak_rss_mb"]
                met.append(growth <= FLAT_GROWTH)
                parts.append(
                    f"{label} {a['peak_rss_mb']:.0f} -> {b['peak_rss_mb']:.0f} MB ({_x(growth)})"
                )
    targets.append(
        _target(
            "memory",
            f"memory flat: peak RSS on {sizes[-1] if sizes else '?'} within "
            f"{_x(FLAT_GROWTH)} of {sizes[0] if sizes else '?'}",
            parts,
            met,
        )
    )
    return targets


def commit_unit(results: dict[str, Any]) -> dict[str, Any] | None:
    """The single-row commits the latency target is stated in: those timed in the idle gaps
    of the latency run (same moment, same disk), else the back-to-back probe."""
    single = results.get("single", {})
    latency, probe = single.get("latency"), single.get("commit_probe")
    if _ok(latency) and latency.get("commit", {}).get("samples"):
        commit: dict[str, Any] = latency["commit"]
        return commit
    if _ok(probe) and probe.get("samples"):
        return probe
    return None


# -- Markdown -------------------------------------------------------------------------------


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _mem(figure: dict[str, Any] | None) -> str:
    return f"{figure['peak_rss_mb']:.0f}" if _ok(figure) else "n/a"


def _err(figure: dict[str, Any] | None) -> str:
    if not figure:
        return "not run"
    return f"failed: {figure.get('error', '?')}"


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
        rows.append([target["target"], target["measured"], met])
    return ["## Targets", "", *_table(["target", "measured", "verdict"], rows), ""]


def _intake_rows(size: str, run: dict[str, Any]) -> list[list[str]]:
    intake = run.get("intake_sqlite")
    if not _ok(intake):
        return [["intake, SQLite", size, _err(intake), "", "", ""]]
    rows: list[list[str]] = []
    label = f"{size} ({_n(intake['events'])} events)"
    tape = (
        f"{_n(intake['intents_per_s'])} intents/s = {_n(intake['events_per_s'])} events/s "
        f"({intake['intents']:,} intents in {intake['seconds']:.1f} s)"
    )
    for name, base, unit in (
        ("library, one save() per event", run.get("naive_sqlite"), "events_per_s"),
        ("library, 1000 events per save()", run.get("batched_sqlite"), "events_per_s"),
        ("raw sqlite3 inserts, one transaction", run.get("raw_insert"), "rows_per_s"),
    ):
        if _ok(base) and base[unit]:
            ratio = _x(intake["events_per_s"] / base[unit])
            base_text = f"{name}: {_n(base[unit])} events/s"
            rows.append(["intake, SQLite (default durability)", label, tape, base_text, ratio])
            rows[-1].append(_mem(intake))
            tape, label = '"', '"'
    pg, naive_pg = run.get("intake_postgres"), run.get("naive_postgres")
    if pg is not None and not _ok(pg):
        rows.append(["intake, PostgreSQL", size, _err(pg), "", "", ""])
    elif pg is not None:
        base, ratio = _err(naive_pg), "n/a"
        if _ok(naive_pg) and naive_pg["events_per_s"]:
            base = f"library, one save() per event: {_n(naive_pg['events_per_s'])} events/s"
            ratio = _x(pg["events_per_s"] / naive_pg["events_per_s"])
        rows.append(
            [
                "intake, PostgreSQL",
                f"{size} ({_n(pg['events'])} events)",
                f"{_n(pg['intents_per_s'])} intents/s = {_n(pg['events_per_s'])} events/s",
                base,
                ratio,
                _mem(pg),
            ]
        )
    return rows


def _read_rows(size: str, run: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    for key, name in (("replay", "replay --verify"), ("rebuild", "projections rebuild")):
        figure = run.get(key)
        if not _ok(figure):
            rows.append([name, size, _err(figure), "", "", ""])
            continue
        tape = f"{_n(figure['events_per_s'])} events/s ({figure['seconds']:.1f} s)"
        if key == "replay" and not figure.get("ok"):
            tape += " **(verification failed)**"
        label = f"{size} ({_n(figure['events'])} events)"
        for base_name, base, unit in (
            ("raw sqlite3 SELECT of the log", run.get("raw_read"), "rows_per_s"),
            ("library select_notifications + decode", run.get("library_read"), "decoded_per_s"),
        ):
            if _ok(base) and base[unit]:
                ratio = _x(figure["events_per_s"] / base[unit])
                base_text = f"{base_name}: {_n(base[unit])} events/s"
                rows.append([name, label, tape, base_text, ratio, _mem(figure)])
                tape, label = '"', '"'
    return rows


def _recovery_rows(size: str, run: dict[str, Any]) -> list[list[str]]:
    recovery = run.get("recovery")
    if not _ok(recovery):
        return [["recovery", size, _err(recovery), "", "", ""]]
    tape = (
        f"{recovery['seconds']:.2f} s (open {recovery['open_s']:.2f} s, recover "
        f"{recovery['recover_s']:.2f} s; {recovery['from_process_start_s']:.2f} s from "
        "process start)"
    )
    label = f"{size} ({_n(recovery['events'])} events)"
    return [["recovery (open + recover())", label, tape, "", "", _mem(recovery)]]


def _tape_rows(size: str, run: dict[str, Any]) -> list[list[str]]:
    return _intake_rows(size, run) + _read_rows(size, run) + _recovery_rows(size, run)


def _figures_section(results: dict[str, Any]) -> list[str]:
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
        *_table([*header, "peak RSS MB"], rows),
        "",
    ]


def _latency_section(results: dict[str, Any]) -> list[str]:
    single = results.get("single", {})
    latency, probe = single.get("latency"), single.get("commit_probe")
    lines = ["## Latency", ""]
    if not _ok(latency):
        return [*lines, f"Latency: {_err(latency)}", ""]
    venue, handled = latency["to_venue"], latency["handled"]
    lines.append(
        f"{latency['offered']} intents offered at {latency['rate_per_s']:g} intents/s (after "
        f"{latency['warmup']} not measured), each released at its slot whether or not the "
        "engine was done with the previous one, so queueing would show. *To venue*: from the "
        "slot to the paper venue's `submit` (parse, receive + commit, decide + write-ahead "
        "commit, load the order), for the intents that placed an order. *Handled*: from the "
        "slot to the end of the intent's processing (fills recorded), every intent."
    )
    lines.append("")
    rows = []
    for name, stats in (("to venue", venue), ("handled", handled)):
        if stats.get("samples"):
            rows.append(
                [
                    name,
                    str(stats["samples"]),
                    f"{stats['p50_ms']:.2f}",
                    f"{stats['p90_ms']:.2f}",
                    f"{stats['p99_ms']:.2f}",
                    f"{stats['max_ms']:.2f}",
                ]
            )
    for name, stats in (
        ("single-row SQLite commit, in the idle gaps of this run", latency.get("commit")),
        ("single-row SQLite commit, back to back just before", probe),
    ):
        if _ok(stats) and stats.get("samples"):
            rows.append(
                [
                    name,
                    str(stats["samples"]),
                    f"{stats['p50_ms']:.2f}",
                    f"{stats['p90_ms']:.2f}",
                    f"{stats['p99_ms']:.2f}",
                    f"{stats['max_ms']:.2f}",
                ]
            )
    lines += _table(["latency", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows)
    return [*lines, ""]


def _other_cpu(run: dict[str, Any]) -> float | None:
    """CPU seconds the machine spent during a scale-out run outside its workers, the
    PostgreSQL server and the paper venue (other processes: noise in the figure)."""
    cpu = run.get("cpu") or {}
    workers, busy = run.get("workers_cpu_s"), cpu.get("machine_busy_s")
    if workers is None or not busy:
        return None
    return max(busy - workers - (cpu.get("postgres_s") or 0) - (cpu.get("venue_s") or 0), 0.0)


def _cpu_cells(run: dict[str, Any]) -> str:
    cpu = run.get("cpu") or {}
    workers, postgres, venue = run.get("workers_cpu_s"), cpu.get("postgres_s"), cpu.get("venue_s")
    other = _other_cpu(run)
    if workers is None or other is None:
        return "n/a"
    return (
        f"{workers:.1f} / {'n/a' if postgres is None else f'{postgres:.1f}'} / "
        f"{venue or 0:.1f} / {other:.1f} of {cpu['wall_x_cores_s']:.1f} "
        f"({cpu['machine_busy_share']:.0%} busy)"
    )


def _split_cells(split: dict[str, Any] | None) -> tuple[str, str]:
    if not split:
        return "n/a", "n/a"
    agents, intents = split["agents"], split["intents"]
    shown = " / ".join(str(n) for n in intents)
    share = max(intents) / (sum(intents) or 1)
    if len(intents) > 1 and share:
        shown += f" (busiest {share:.0%}: gain at most {_x(1 / share)})"
    return " / ".join(str(n) for n in agents), shown


def _scaleout_limits(runs: list[dict[str, Any]]) -> str:
    """What limits the scale-out on this machine, from the runs' measurements."""
    done = [r for r in runs if _ok(r)]
    if not done:
        return ""
    big, small = max(done, key=lambda r: r["workers"]), min(done, key=lambda r: r["workers"])
    cpu = big.get("cpu") or {}
    skipped = sum(w.get("skipped", 0) for w in big.get("per_worker", []))
    finished = ", ".join(f"{w['seconds']:.1f}" for w in big.get("per_worker", []))
    text = (
        f"What limits it here: the {big['workers']}-worker run had {cpu.get('cores', '?')} "
        "cores for the workers, the PostgreSQL server and the paper venue together"
    )
    if cpu.get("machine_busy_share") is not None:
        text += (
            f", and kept them {cpu['machine_busy_share']:.0%} busy (CPU seconds in the "
            "last column: workers / PostgreSQL server / paper venue / anything else on the "
            "machine, of wall time x cores)"
        )
    text += f". Its workers exited at {finished} s."
    if small is not big and small["seconds"]:
        text += (
            f" The {small['workers']}-worker run's workers used {small['workers_cpu_s']:.1f} s "
            f"of CPU in {small['seconds']:.1f} s (on average "
            f"{small['workers_cpu_s'] / small['seconds'] / small['workers']:.0%} of a core per "
            "worker; the rest of the time they waited on PostgreSQL and the venue); the "
            f"{big['workers']}-worker run's used {big['workers_cpu_s']:.1f} s for the same "
            "intents."
        )
    text += (
        " Each worker starts its own interpreter "
        f"({big.get('startup_s', 0):.2f} s for `tape --help` in the same run) and reads and "
        f"decodes the whole ingest log, skipping other partitions' intents ({skipped:,} "
        "skipped over all workers), so that part of the work grows with the number of "
        "workers. Each worker writes its own tables (`TapeWorkerKofN_events`), so the "
        "library's per-application table lock is not shared between them; the busiest "
        "partition's share of the intents bounds the gain even with cores to spare."
    )
    noisy = [
        r
        for r in done
        if (_other_cpu(r) or 0) > 0.1 * ((r.get("cpu") or {}).get("wall_x_cores_s") or 0)
    ]
    if noisy:
        text += (
            " Other processes took more than a tenth of the machine's CPU during the "
            f"{', '.join(str(r['workers']) for r in noisy)}-worker run(s) (*other*): those "
            "figures are lower than on a quiet machine."
        )
    return text


def _scaleout_section(results: dict[str, Any]) -> list[str]:
    scaleout = results.get("scaleout") or {}
    if not scaleout:
        return []
    lines = ["## Scale-out on PostgreSQL", ""]
    if scaleout.get("skipped"):
        return [*lines, f"Scale-out skipped: {scaleout['skipped']}.", ""]
    runs: list[dict[str, Any]] = scaleout.get("runs", [])
    splits = {item["workers"]: item for item in scaleout.get("split", [])}
    startup = [r["startup_s"] for r in runs if _ok(r) and r.get("startup_s")]
    lines.append(
        f"The {scaleout['size']} day with each intent's agent renamed to one of "
        f"{scaleout['copies']} copies of it (chosen by a hash of the intent id; "
        f"{scaleout['agents']} agents, each copy with the same rules), so that the stable "
        "partition hash gives every worker agents. Each run in a fresh schema: `tape db init "
        "--workers N`, `tape ingest-day` (*ingest*: intents recorded per second), one `tape "
        "paper-venue`, then N `tape worker --clock input --until-end` processes started "
        "together. *Intake* is the intents the workers decided over the time from their "
        "start until the last one exited, so it includes one interpreter start"
        + (f" ({min(startup):.2f} s for `tape --help` in these runs)" if startup else "")
        + ", as does *ingest*. *Digest*: the decision digest over the workers' logs; equal "
        "digests mean the runs decided the same."
    )
    lines.append("")
    base = next((r for r in runs if _ok(r) and r["workers"] == 1), None)
    rows = []
    for run in runs:
        workers = run["workers"]
        agents, intents = _split_cells(splits.get(workers))
        if not _ok(run):
            rows.append([str(workers), _err(run), "", "", "", "", agents, intents, ""])
            continue
        ratio = (
            _x(run["intents_per_s"] / base["intents_per_s"])
            if base and base["intents_per_s"]
            else "n/a"
        )
        same = ""
        if base and run is not base:
            same = " (same)" if run["digest"] == base["digest"] else " **(differs)**"
        decided = "" if run.get("all_decided") else " **(not all decided)**"
        ingest = run["ingest"]
        rows.append(
            [
                str(workers),
                f"{_n(ingest['intents_per_s'])} intents/s ({ingest['seconds']:.1f} s)",
                f"{_n(run['intents_per_s'])} intents/s ({run['intents']:,} in "
                f"{run['seconds']:.1f} s){decided}",
                ratio,
                f"{run['events']:,}",
                f"`{run['digest'][:16]}`{same}",
                agents,
                intents,
                _cpu_cells(run),
            ]
        )
    header = [
        "workers",
        "ingest (`tape ingest-day`)",
        "intake (workers)",
        "vs 1 worker",
        "events stored",
        "digest",
        "agents per partition",
        "intents per partition",
        "CPU s: workers / PostgreSQL / venue / other, of wall x cores",
    ]
    lines += _table(header, rows)
    limits = _scaleout_limits(runs)
    return [*lines, "", *([limits, ""] if limits else [])]


def _baselines_section(results: dict[str, Any]) -> list[str]:
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
            if not _ok(figure):
                rows.append([name, size, _err(figure), "", ""])
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
                    f"{_n(figure['events_per_s'])} events/s",
                    f"{note}; median save() {figure['median_save_ms']:.2f} ms",
                    _mem(figure),
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
            if not _ok(figure):
                rows.append([name, size, _err(figure), "", ""])
                continue
            rows.append(
                [
                    name,
                    size,
                    f"{_n(figure[unit])} events/s",
                    f"{figure['rows']:,} rows",
                    _mem(figure),
                ]
            )
    return [
        "## Baselines",
        "",
        *_table(["baseline", "workload", "rate", "notes", "peak RSS MB"], rows),
        "",
    ]


def _memory_section(results: dict[str, Any]) -> list[str]:
    runs = results.get("runs", {})
    sizes = list(runs)
    rows = []
    for key, label in MEMORY_FIGURES.items():
        cells = []
        for size in sizes:
            figure = runs[size].get(key)
            cells.append(_mem(figure))
        per_event = ""
        a, b = runs[sizes[0]].get(key), runs[sizes[-1]].get(key)
        if len(sizes) >= 2 and _ok(a) and _ok(b) and b["events"] != a["events"]:
            slope = (
                (b["peak_rss_mb"] - a["peak_rss_mb"]) * 1024 * 1024 / (b["events"] - a["events"])
            )
            per_event = f"{slope:,.0f} B"
        rows.append([label, *cells, per_event])
    header = ["figure", *(f"peak RSS MB, {s}" for s in sizes), "growth per extra event"]
    return ["## Memory", "", *_table(header, rows), ""]


def _measured(figure: dict[str, Any] | None, unit: str, unit_name: str) -> str:
    return f"{_n(figure[unit])} {unit_name}" if _ok(figure) else _err(figure)


def _what_if_section(results: dict[str, Any]) -> list[str]:
    what_if = results.get("what_if") or {}
    if not what_if:
        return []
    size = what_if["size"]
    run = results["runs"].get(size, {})
    base = {
        "intake": run.get("intake_sqlite"),
        "replay": run.get("replay"),
        "rebuild": run.get("rebuild"),
    }
    for item in what_if.get("items", []):
        if item["change"].startswith("as is"):
            base[item["figure"]] = item["result"]
    units = {
        "intake": ("intents_per_s", "intents/s"),
        "replay": ("events_per_s", "events/s"),
        "rebuild": ("events_per_s", "events/s"),
    }
    names = {"intake": "intake", "replay": "replay --verify", "rebuild": "projections rebuild"}
    rows = []
    for item in what_if.get("items", []):
        figure, after = item["figure"], item["result"]
        if item["change"].startswith("as is"):
            rows.append(
                [item["change"], names[figure], "", _measured(after, *units[figure]), "", ""]
            )
            continue
        before = base.get(figure)
        unit, unit_name = units[figure]
        name = names[figure]
        if not (_ok(before) and _ok(after) and before[unit]):
            rows.append([item["change"], name, _err(before), _err(after), "", ""])
            continue
        if figure == "intake":
            same = (
                "yes (same digest)"
                if after.get("digest") and after["digest"] == before.get("digest")
                else "**no**"
            )
        elif figure == "rebuild":
            same = "same rows" if after.get("rows") == before.get("rows") else "**rows differ**"
        else:
            same = "verified" if after.get("ok") else "**verification failed**"
        rows.append(
            [
                item["change"],
                name,
                f"{_n(before[unit])} {unit_name}",
                f"{_n(after[unit])} {unit_name}",
                _x(after[unit] / before[unit]),
                same,
            ]
        )
    return [
        "## What-ifs: measured gains of changes, engine code unchanged",
        "",
        f"On the {size} workload: library settings, or a patch in the figure's process only "
        '(bench/figures.py). Each stands for a proposal in "Where the time goes". *Same '
        "log*: the variant's log has the decision digest of the run as is.",
        "",
        *_table(["change", "figure", "as is", "changed", "gain", "same log"], rows),
        "",
    ]


def _profile_section(results: dict[str, Any]) -> list[str]:
    profiles = results.get("profiles") or {}
    lines = ["## Where the time goes", ""]
    if profiles.get("skipped"):
        return [*lines, f"Profiles skipped: {profiles['skipped']}.", ""]
    if not profiles:
        return lines
    lines.append(
        f"pyinstrument (1 ms sampling, wall clock, so a blocking fsync counts) on the "
        f"{profiles['size']} workload. *Share* is of the whole profiled call; labelled costs "
        "are inclusive (everything they call) and may nest in one another."
    )
    lines.append("")
    for key, name in (
        ("intake", "Intake (`tape run`)"),
        ("replay", "`replay --verify`"),
        ("rebuild", "`projections rebuild`"),
    ):
        profile = profiles.get(key)
        if profile is None:
            continue
        if not _ok(profile):
            lines += [f"### {name}", "", _err(profile), ""]
            continue
        lines += [f"### {name}: {profile['total_s']:.1f} s profiled", ""]
        rows = [
            [item["cost"], f"{item['seconds']:.2f}", f"{item['share']:.0%}"]
            for item in profile["watched"]
            if item["seconds"] > 0
        ]
        lines += _table(["labelled cost (inclusive)", "s", "share"], rows)
        lines.append("")
        rows = [
            [f"`{item['function']}`", f"{item['share']:.1%}"] for item in profile["top_self"][:12]
        ]
        lines += _table(["top functions by self time", "share"], rows)
        lines.append("")
        rows = [
            [f"`{item['function']}`", f"{item['share']:.1%}"]
            for item in profile["top_inclusive"][:12]
        ]
        lines += _table(["top functions by inclusive time", "share"], rows)
        lines.append("")
    return lines


def render_markdown(results: dict[str, Any], analysis: str = "") -> str:
    """The whole report."""
    lines = [
        *_header(results),
        *_targets_section(results),
        *_figures_section(results),
        *_scaleout_section(results),
        *_latency_section(results),
        *_memory_section(results),
        *_baselines_section(results),
        *_what_if_section(results),
        *_profile_section(results),
    ]
    if analysis.strip():
        lines += [analysis.strip(), ""]
    notes = results.get("notes") or []
    if notes:
        lines += ["## Notes", "", *(f"- {note}" for note in notes), ""]
    return "\n".join(lines)
