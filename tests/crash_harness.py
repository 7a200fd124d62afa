"""The crash harness: a long generated day through ``tape run`` against ``tape paper-venue`` in
another process, the engine SIGKILLed at seeded random moments and restarted until the day is
done, then checked against the venue's ledger and an uninterrupted run of the same day.

    python -m tests.crash_harness --kills 200 --intents 2000 --seed 1

exits 0 when every check holds and prints what it found.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from adapters.dayfile import IntentRecord, read_day
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from engine.application import TapeApplication
from projections.digest import decision_digest
from projections.views import LogViews

REPO = Path(__file__).resolve().parent.parent
TAPE = [sys.executable, "-m", "cli.main"]


@dataclass
class HarnessResult:
    """What a harness run did and found."""

    kills: int
    restarts: int
    digest: str
    reference_digest: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every check held."""
        return not self.problems


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "FOLLOW_", "COPY_"))}
    env.update({"TAPE_HOME": str(home), "PYTHONPATH": str(REPO)})
    return env


class PaperVenueProcess:
    """A ``tape paper-venue`` process on a free loopback port."""

    def __init__(self, day: Path, ledger: Path) -> None:
        self.process = subprocess.Popen(
            [*TAPE, "paper-venue", "--day", str(day), "--ledger", str(ledger), "--faults"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(ledger.parent),
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        if match is None:
            self.process.kill()
            raise RuntimeError(f"paper venue did not start: {line!r} {self.process.stderr.read()}")  # type: ignore[union-attr]
        self.url = match.group(0)

    def ledger(self) -> list[dict[str, Any]]:
        """The venue's ledger, from its own HTTP endpoint."""
        body: list[dict[str, Any]] = requests.get(f"{self.url}/orders", timeout=10).json()
        return body

    def stop(self) -> None:
        """Stop the process."""
        self.process.terminate()
        self.process.wait(timeout=10)


def _run_command(day: Path, config: Path, url: str) -> list[str]:
    return [*TAPE, "run", "--day", str(day), "--config", str(config), "--paper-url", url]


def run_to_completion(day: Path, config: Path, home: Path, url: str) -> None:
    """One uninterrupted ``tape run``."""
    result = subprocess.run(
        _run_command(day, config, url), capture_output=True, text=True, env=_env(home), check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"tape run failed: {result.stderr}")


def run_with_kills(
    day: Path, config: Path, home: Path, url: str, *, kills: int, rng: random.Random, window: float
) -> tuple[int, int]:
    """Start ``tape run``, SIGKILL it at a random moment, repeat ``kills`` times, then let it
    finish. Returns (kills done, restarts)."""
    done = restarts = 0
    while True:
        process = subprocess.Popen(
            _run_command(day, config, url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(home),
        )
        restarts += 1
        if done < kills:
            try:
                process.wait(timeout=rng.uniform(0.2, window))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                process.wait()
                done += 1
                continue
        _, stderr = process.communicate(timeout=600)
        if process.returncode == 0:
            return done, restarts
        if process.returncode != -signal.SIGKILL:
            raise RuntimeError(f"tape run exited {process.returncode}: {stderr}")


def _open(home: Path) -> TapeApplication:
    return TapeApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(home / "tape.db")}
    )


def _valid_intent_ids(day: Path) -> set[str]:
    with day.open() as handle:
        return {r.intent.intent_id for r in read_day(handle) if isinstance(r, IntentRecord)}


def _check_verdicts(day: Path, views: LogViews) -> list[str]:
    problems = []
    intents = list(views.intents.rows.values())
    undecided = [r["intent_id"] for r in intents if r["verdict"] == "RECEIVED"]
    if undecided:
        problems.append(f"{len(undecided)} intents without a verdict, e.g. {undecided[0]}")
    verdicts = views.names.get("IntentAccepted", 0) + views.names.get("IntentDenied", 0)
    if verdicts != len(intents):
        problems.append(f"{verdicts} verdicts for {len(intents)} intents")
    missing = _valid_intent_ids(day) - {r["intent_id"] for r in intents}
    if missing:
        problems.append(f"{len(missing)} intents of the day never received: {sorted(missing)[0]}")
    return problems


STATUS_AT_VENUE = {
    "FILLED": {"FILLED"},
    "CANCELED": {"CANCELED"},
    "REJECTED": {"REJECTED"},
    "OPEN": {"ACCEPTED", "PARTIALLY_FILLED"},
}


def _check_ledger(views: LogViews, ledger: list[dict[str, Any]]) -> list[str]:
    problems = []
    per_client_id = Counter(entry["client_order_id"] for entry in ledger)
    doubled = [cid for cid, n in per_client_id.items() if n > 1]
    if doubled:
        problems.append(f"orders sent twice: {doubled[:3]}")
    tape_orders = {row["client_order_id"]: row for row in views.orders.rows.values()}
    venue_net: defaultdict[str, Decimal] = defaultdict(Decimal)
    for entry in ledger:
        cid = entry["client_order_id"]
        row = tape_orders.get(cid)
        if row is None:
            problems.append(f"venue order {cid} unknown to Tape")
            continue
        if row["status"] not in STATUS_AT_VENUE[entry["status"]]:
            problems.append(f"{cid}: venue {entry['status']}, Tape {row['status']}")
        filled = sum((Decimal(f["size"]) for f in entry["fills"]), Decimal(0))
        if filled != row["filled"]:
            problems.append(f"{cid}: venue filled {filled}, Tape {row['filled']}")
        venue_net[entry["token_id"]] += filled if entry["side"] == "BUY" else -filled
    tape_net: defaultdict[str, Decimal] = defaultdict(Decimal)
    for position in views.positions.rows.values():
        # what the fills left, whether still held or since settled by a market resolution
        tape_net[position["token_id"]] += position["size"] + position["settled_size"]
    for token in sorted(set(venue_net) | set(tape_net)):
        if venue_net[token] != tape_net[token]:
            problems.append(f"token {token[:12]}: venue {venue_net[token]}, Tape {tape_net[token]}")
    unsent = [
        cid
        for cid, row in tape_orders.items()
        if cid not in per_client_id and row["status"] != "EXPIRED"
    ]
    if unsent:
        problems.append(f"{len(unsent)} Tape orders the venue never saw, e.g. {unsent[0]}")
    return problems


def check(day: Path, home: Path, ledger: list[dict[str, Any]]) -> list[str]:
    """The harness's checks on the interrupted run; returns the problems found."""
    views = LogViews.build(_open(home))
    return _check_verdicts(day, views) + _check_ledger(views, ledger)


def _positions(home: Path) -> list[dict[str, Any]]:
    views = LogViews.build(_open(home))
    return views.positions.with_marks(views.marks)


def run_harness(
    workdir: Path, *, intents: int, kills: int, seed: int, window: float = 2.5
) -> HarnessResult:
    """The whole harness in ``workdir``."""
    workdir.mkdir(parents=True, exist_ok=True)
    day = workdir / "day.jsonl"
    write_day(day, seed, intents=intents)
    config = workdir / "tape.toml"
    config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    reference_home, crash_home = workdir / "reference", workdir / "crashed"
    reference_home.mkdir(exist_ok=True)
    crash_home.mkdir(exist_ok=True)

    venue = PaperVenueProcess(day, reference_home / "ledger.db")
    try:
        run_to_completion(day, config, reference_home, venue.url)
    finally:
        venue.stop()
    venue = PaperVenueProcess(day, crash_home / "ledger.db")
    try:
        done, restarts = run_with_kills(
            day, config, crash_home, venue.url, kills=kills, rng=random.Random(seed), window=window
        )
        ledger = venue.ledger()
    finally:
        venue.stop()
    problems = check(day, crash_home, ledger)
    digest = decision_digest(_open(crash_home)).hexdigest
    reference = decision_digest(_open(reference_home)).hexdigest
    if digest != reference:
        problems.append(
            f"decision digest {digest[:16]} differs from the uninterrupted {reference[:16]}"
        )
    if _positions(crash_home) != _positions(reference_home):
        problems.append("final positions differ from the uninterrupted run")
    return HarnessResult(done, restarts, digest, reference, problems)


def main() -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--intents", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("crash-harness"))
    args = parser.parse_args()
    started = time.monotonic()
    result = run_harness(args.workdir, intents=args.intents, kills=args.kills, seed=args.seed)
    print(
        f"{result.kills} kills, {result.restarts} starts, digest {result.digest[:16]} "
        f"(uninterrupted {result.reference_digest[:16]}), {time.monotonic() - started:.0f}s"
    )
    for problem in result.problems:
        print(f"PROBLEM: {problem}")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
