"""One benchmark run's harness: each figure in a process of its own (``python -m
bench.figures``), its result read back, progress on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import REPO
from bench.figures import RESULT_MARK
from bench.options import Options


class Bench:
    """One benchmark run: figures in subprocesses, progress on stderr, results in a dict."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.started = time.perf_counter()
        self.notes: list[str] = []

    def log(self, message: str) -> None:
        """A progress line on stderr, with the time since the start."""
        elapsed = time.perf_counter() - self.started
        sys.stderr.write(f"[bench {elapsed:6.0f}s] {message}\n")
        sys.stderr.flush()

    def figure(self, name: str, label: str, **params: Any) -> dict[str, Any]:
        """Run one figure in its own process; its result, or ``{"error": ...}``."""
        params = {k: str(v) if isinstance(v, Path) else v for k, v in params.items()}
        params["spawned_at"] = time.time()
        begun = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.figures", name, json.dumps(params, default=str)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = round(time.perf_counter() - begun, 2)
        for line in reversed(proc.stdout.splitlines()):
            if line.startswith(RESULT_MARK):
                result: dict[str, Any] = json.loads(line[len(RESULT_MARK) :])
                result["wall_s"] = wall
                self.log(f"{label}: {_brief(result)} ({wall:.0f}s)")
                return result
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        error = " | ".join(tail) or f"exit code {proc.returncode}"
        self.log(f"{label}: FAILED: {error}")
        return {"error": error, "wall_s": wall}


def _brief(result: dict[str, Any]) -> str:
    for key in ("intents_per_s", "events_per_s", "rows_per_s"):
        if key in result:
            return f"{result[key]:,.0f} {key.replace('_per_s', '')}/s"
    if "to_venue" in result:
        return f"p50 {result['to_venue'].get('p50_ms')} ms, p99 {result['to_venue'].get('p99_ms')}"
    if "p50_ms" in result:
        return f"median {result['p50_ms']} ms"
    if "seconds" in result:
        return f"{result['seconds']} s"
    return "done"
