"""``tape run --workers N``: the whole scale-out set started locally, for convenience.

Each part is an ordinary command that can also run alone on another machine: the day goes into
the ingest log (``tape ingest-day``, here in-process), a ``tape paper-venue`` process serves the
day's books, N ``tape worker`` processes trade their partitions, and ``tape project`` processes
keep the read models. A worker that exits with an error is restarted (it resumes from its
tracking position); the run ends when every worker has read the ingest log to its end.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from adapters.bootstrap import open_named_app
from adapters.settings import Settings
from adapters.storage import Storage
from cli.errors import TapeProblem
from cli.scaleout_cmd import ingest_summary, record_day
from engine.partition import INGEST_APP_NAME, worker_app_names
from projections.digest import decision_digest

TAPE = [sys.executable, "-m", "cli.main"]
MAX_RESTARTS = 3
PROJECTION_GROUPS = ("positions,balances,purchases,marks", "orders,intents,audit")
"""What each ``tape project`` process keeps (two processes by default)."""


@dataclass
class Supervised:
    """A child process the launcher watches, and how often it was restarted."""

    label: str
    argv: list[str]
    process: subprocess.Popen[str]
    restarts: int = 0
    output: list[str] = field(default_factory=list)


def _spawn(argv: list[str]) -> subprocess.Popen[str]:
    # our own command line (sys.executable -m cli.main ...), never user text run by a shell
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603


def start_paper_venue(day: Path, ledger: Path) -> tuple[subprocess.Popen[str], str]:
    """A ``tape paper-venue`` process for the day; returns it and its URL."""
    process = _spawn(
        [*TAPE, "paper-venue", "--port", "0", "--day", str(day), "--ledger", str(ledger)]
    )
    line = process.stdout.readline() if process.stdout is not None else ""
    match = re.search(r"http://127\.0\.0\.1:\d+", line)
    if match is None:
        process.kill()
        _out, err = process.communicate()
        last = (err.strip().splitlines() or [line.strip()])[-1]
        raise TapeProblem(f"the paper venue did not start: {last}")
    return process, match.group(0)


def run_with_workers(
    settings: Settings,
    *,
    storage: Storage,
    day: Path,
    config_path: Path | None,
    workers: int,
    paper_url: str | None,
    projection_groups: Sequence[str] = PROJECTION_GROUPS,
) -> str:
    """Run the day on ``workers`` worker processes; returns the summary."""
    names = [INGEST_APP_NAME, *worker_app_names(workers)]
    for name in names:
        open_named_app(name, storage, create=True)
    config = settings.with_config(config_path).tape_config()
    stats = record_day(storage, day, config, max_gap=settings.max_time_gap)
    click.echo(ingest_summary(day, stats), err=True)
    venue = None
    if paper_url is None:
        home = settings.home
        home.mkdir(parents=True, exist_ok=True)
        venue, paper_url = start_paper_venue(day, home / "paper-ledger.db")
    worker_options = ["--paper-url", paper_url, "--clock", "input", "--until-end"]
    if config_path:
        worker_options += ["--config", str(config_path)]
    children = []
    for k in range(1, workers + 1):
        argv = [*TAPE, "worker", "--partition", f"{k}/{workers}", *worker_options]
        children.append(Supervised(f"worker {k}/{workers}", argv, _spawn(argv)))
    projectors = [
        _spawn([*TAPE, "project", group, "--workers", str(workers), "--follow"])
        for group in projection_groups
    ]
    try:
        _supervise(children)
    finally:
        for process in projectors:
            process.terminate()
        for process in projectors:
            process.wait(timeout=30)
        if venue is not None:
            venue.terminate()
            venue.wait(timeout=10)
    final = subprocess.run(  # noqa: S603 - our own command line
        [*TAPE, "project", "all", "--workers", str(workers)],
        capture_output=True,
        text=True,
        check=False,
    )
    apps = [open_named_app(name, storage) for name in worker_app_names(workers)]
    digest = decision_digest(*apps)
    lines = [f"Tape ran {day} on {workers} workers ({storage.location})"]
    lines += [
        f"  {child.label}: {child.output[-1] if child.output else ''}"
        + (f" (restarted {child.restarts}x)" if child.restarts else "")
        for child in children
    ]
    lines.append(f"  projections {final.stdout.strip() or final.stderr.strip()}")
    lines.append(f"  digest     {digest.hexdigest} ({digest.events} events)")
    return "\n".join(lines)


def _supervise(children: list[Supervised]) -> None:
    running = list(children)
    while running:
        time.sleep(0.1)
        for child in list(running):
            code = child.process.poll()
            if code is None:
                continue
            out, err = child.process.communicate()
            child.output += [line for line in out.splitlines() if line]
            if code == 0:
                running.remove(child)
                continue
            last = (err.strip().splitlines() or ["no message"])[-1]
            if child.restarts >= MAX_RESTARTS:
                raise TapeProblem(f"{child.label} failed {child.restarts + 1} times; last: {last}")
            child.restarts += 1
            click.echo(f"tape: {child.label} exited {code} ({last}); restarting it", err=True)
            child.process = _spawn(child.argv)
