"""``tape`` child processes for the scale-out figure: their environment, a command run to
completion, a ``tape paper-venue`` started, N ``tape worker`` processes run together."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import REPO
from bench.figures.cpu import CpuSnapshot, cpu_split
from bench.figures.stores import Params

TAPE = [sys.executable, "-m", "cli.main"]


def tape_env(params: Params) -> dict[str, str]:
    """The environment of a ``tape`` child process: its home and PostgreSQL schema (as
    tests/test_scaleout.py runs them), no other ``TAPE_`` setting of this process."""
    home = Path(params["home"])
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAPE_")}
    env.update(
        {
            "TAPE_HOME": str(home),
            "TAPE_DATABASE_URL": params["url"],
            "TAPE_DATABASE_SCHEMA": params["schema"],
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def run_tape(args: list[str], env: dict[str, str]) -> tuple[str, float]:
    """Run a tape command to completion; its output and wall seconds (interpreter start
    included). Raises with its last error line when it fails."""
    begun = time.perf_counter()
    proc = subprocess.run(
        [*TAPE, *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - begun
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"tape {args[0]} exited {proc.returncode}: {last}")
    return proc.stdout + proc.stderr, seconds


WORKER_LINE = re.compile(
    r"read (\d+) ingest events, processed (\d+) \((.*?)\), skipped (\d+)", re.DOTALL
)


def worker_summary(output: str) -> dict[str, Any]:
    """What a worker says it did (its last line): events read, processed by kind, skipped."""
    match = WORKER_LINE.search(output)
    if match is None:
        return {"line": output.strip().splitlines()[-1] if output.strip() else ""}
    kinds = {}
    for part in match.group(3).split(", "):
        name, _, count = part.rpartition(" ")
        if name and count.isdigit():
            kinds[name] = int(count)
    return {
        "read": int(match.group(1)),
        "processed": int(match.group(2)),
        "skipped": int(match.group(4)),
        "by_kind": kinds,
        "intents": kinds.get("IntentReceived", 0) + kinds.get("IntentRedelivered", 0),
    }


def start_venue(day: Path, home: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """A ``tape paper-venue`` process serving the day's books; the process and its URL. Its
    first line is read from a pipe (the URL), anything it says on stderr goes to a file."""
    argv = [*TAPE, "paper-venue", "--port", "0", "--day", str(day)]
    argv += ["--ledger", str(home / "ledger.db")]
    errors = home / "venue.err"
    with errors.open("wb") as stderr:
        process = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    line = process.stdout.readline() if process.stdout is not None else ""
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if match is None:
        process.kill()
        process.wait()
        said = errors.read_text(encoding="utf-8", errors="replace").strip()
        raise RuntimeError(f"tape paper-venue did not start: {line.strip()} {said}")
    return process, match.group(0)


def run_workers(
    workers: int, options: list[str], env: dict[str, str], home: Path, venue_pid: int
) -> tuple[float, list[dict[str, Any]], dict[str, Any]]:
    """Start ``tape worker`` for each partition at once; wait until all have exited. Returns
    the seconds from the first start to the last exit, each worker's own figures (its exit
    time, CPU and peak RSS from ``wait4``, what it says it did) and where the CPU went."""
    procs: list[subprocess.Popen[bytes]] = []
    per_worker: list[dict[str, Any]] = [{} for _ in range(workers)]
    try:
        before = CpuSnapshot.take(venue_pid)
        started = time.perf_counter()
        for k in range(1, workers + 1):
            with (
                (home / f"worker-{k}.out").open("wb") as stdout,
                (home / f"worker-{k}.err").open("wb") as stderr,
            ):
                argv = [*TAPE, "worker", "--partition", f"{k}/{workers}", *options]
                procs.append(
                    subprocess.Popen(argv, cwd=REPO, env=env, stdout=stdout, stderr=stderr)
                )
        waiting = set(range(workers))
        while waiting:
            for i in sorted(waiting):
                pid, status, usage = os.wait4(procs[i].pid, os.WNOHANG)
                if pid == 0:
                    continue
                procs[i].returncode = os.waitstatus_to_exitcode(status)
                per_worker[i] = {
                    "partition": f"{i + 1}/{workers}",
                    "seconds": round(time.perf_counter() - started, 3),
                    "exit": procs[i].returncode,
                    "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                    "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
                }
                waiting.discard(i)
            time.sleep(0.005)
        seconds = time.perf_counter() - started
        after = CpuSnapshot.take(venue_pid)
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                proc.wait()
    for i, worker in enumerate(per_worker):
        if worker["exit"] != 0:
            err = (home / f"worker-{i + 1}.err").read_text(encoding="utf-8", errors="replace")
            last = (err.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"worker {worker['partition']} exited {worker['exit']}: {last}")
        output = (home / f"worker-{i + 1}.out").read_text(encoding="utf-8", errors="replace")
        worker.update(worker_summary(output))
    return seconds, per_worker, cpu_split(before, after, seconds)
