"""The "Scale-out on PostgreSQL" section: intake on 1, 2 and 4 workers, how the agents and
intents split over the partitions, where the CPU went and what limits the gain."""

from __future__ import annotations

from typing import Any

from bench.report.cells import amount, failure_text, ran, table, times


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
        shown += f" (busiest {share:.0%}: gain at most {times(1 / share)})"
    return " / ".join(str(n) for n in agents), shown


def _scaleout_limits(runs: list[dict[str, Any]]) -> str:
    """What limits the scale-out on this machine, from the runs' measurements."""
    done = [r for r in runs if ran(r)]
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
        f"({big.get('startup_s', 0):.2f} s for `tape --help` in the same run). Each reads only "
        "its partition's intents and the rows every worker needs (configuration, resolutions, "
        "redeliveries): PostgreSQL filters the ingest log on its partition key "
        "(adapters/scaleout/partitions.py), so the rows read over all workers stay the "
        f"intents plus N times the shared rows ({big.get('read', 0):,} read by the "
        f"{big['workers']} workers against {small.get('read', 0):,} by 1), where before every "
        f"worker read and decoded all of them ({skipped:,} skipped here). Each worker writes "
        "its own tables (`TapeWorkerKofN_events`); the busiest partition's share of the "
        "intents bounds the gain even with cores to spare."
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


def scaleout_section(results: dict[str, Any]) -> list[str]:
    """The scale-out runs side by side, or why they were skipped."""
    scaleout = results.get("scaleout") or {}
    if not scaleout:
        return []
    lines = ["## Scale-out on PostgreSQL", ""]
    if scaleout.get("skipped"):
        return [*lines, f"Scale-out skipped: {scaleout['skipped']}.", ""]
    runs: list[dict[str, Any]] = scaleout.get("runs", [])
    splits = {item["workers"]: item for item in scaleout.get("split", [])}
    startup = [r["startup_s"] for r in runs if ran(r) and r.get("startup_s")]
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
    base = next((r for r in runs if ran(r) and r["workers"] == 1), None)
    rows = []
    for run in runs:
        workers = run["workers"]
        agents, intents = _split_cells(splits.get(workers))
        if not ran(run):
            rows.append(
                [str(workers), failure_text(run), "", "", "", "", agents, intents, "", "", ""]
            )
            continue
        ratio = (
            times(run["intents_per_s"] / base["intents_per_s"])
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
                f"{amount(ingest['intents_per_s'])} intents/s ({ingest['seconds']:.1f} s)",
                f"{amount(run['intents_per_s'])} intents/s ({run['intents']:,} in "
                f"{run['seconds']:.1f} s){decided}",
                ratio,
                f"{run['events']:,}",
                f"`{run['digest'][:16]}`{same}",
                agents,
                intents,
                _cpu_cells(run),
                f"{run['cpu_ms_per_intent']:.2f}" if run.get("cpu_ms_per_intent") else "n/a",
                f"{run.get('read', 0):,}",
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
        "workers' CPU ms per intent",
        "ingest rows read (all workers)",
    ]
    lines += table(header, rows)
    limits = _scaleout_limits(runs)
    prediction = _prediction(runs, splits)
    tail = [text for text in (limits, prediction) if text]
    return [*lines, "", *(line for text in tail for line in (text, ""))]


def _prediction(runs: list[dict[str, Any]], splits: dict[int, Any]) -> str:
    """What the measured CPU per intent predicts with a core per worker (and the server's)."""
    done = [r for r in runs if ran(r) and r.get("cpu_ms_per_intent")]
    base = next((r for r in done if r["workers"] == 1), None)
    if base is None or not base["intents_per_s"]:
        return ""
    parts = []
    for run in done:
        split = splits.get(run["workers"])
        if run is base or not split or not sum(split["intents"]):
            continue
        share = max(split["intents"]) / sum(split["intents"])
        cost = base["cpu_ms_per_intent"] / run["cpu_ms_per_intent"]
        gain = min(run["workers"], 1 / share) * cost
        parts.append(
            f"{run['workers']} workers about {times(gain)} one worker's "
            f"{amount(base['intents_per_s'])} intents/s (the busiest partition has "
            f"{share:.0%} of the intents; CPU per intent {times(1 / cost)} one worker's), "
            f"and {times(min(run['workers'], 1 / share))} once the fixed start-up cost of "
            "each worker is spread over a long run (CPU per intent then that of one worker)"
        )
    if not parts:
        return ""
    return (
        "Predicted with a core for each worker and enough left for PostgreSQL and the venue "
        "(gain = min(workers, 1 / busiest partition's share) x one worker's CPU per intent / "
        "N workers'): " + "; ".join(parts) + ". On this machine's cores the workers, "
        "the server and the venue share the CPU, so the measured gain is below that."
    )
