"""A SIGKILLed `tape run` loses no buffered copy: the sample day with aggregation on, killed
once copies are buffered, then run again to its end, ends in the digest of an uninterrupted
run (against `tape paper-venue`, which outlives the engine as a real venue does)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from tests.crash_harness import PaperVenueProcess
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parent.parent
AGGREGATING = DEMO_CONFIG_TOML.replace(
    'strategy = "copy"\n',
    'strategy = "copy"\naggregate_small = true\naggregation_window_s = 3600\n',
)


def buffered(home: Path) -> int:
    """CopyBuffered events committed to the store so far."""
    db = home / "tape.db"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            row = connection.execute(
                "SELECT count(*) FROM stored_events WHERE topic LIKE '%CopyBuffered'"
            ).fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def digest(out: str) -> str:
    found = re.search(r"digest\s+([0-9a-f]{64})", out)
    assert found, out
    return found.group(1)


def test_a_run_killed_with_copies_in_the_buffer_ends_as_an_uninterrupted_one(
    tmp_path: Path,
) -> None:
    day = tmp_path / "day.jsonl"
    write_day(day, 7, intents=300)
    config = tmp_path / "tape.toml"
    config.write_text(AGGREGATING)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAPE_")}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, "-m", "cli.main", "run", "--day", str(day), "--config", str(config)]

    def run(home: Path, ledger: Path, *, kill: bool) -> str:
        venue = PaperVenueProcess(day, ledger)
        try:
            full = [*command, "--paper-url", venue.url]
            run_env = {**env, "TAPE_HOME": str(home)}
            if kill:
                process = subprocess.Popen(
                    full, env=run_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
                wait_until(lambda: buffered(home) >= 2 or process.poll() is not None, 120)
                assert process.poll() is None, "the run ended before it could be killed"
                process.kill()
                process.communicate(timeout=60)
                assert process.returncode != 0
            done = subprocess.run(
                full, env=run_env, capture_output=True, text=True, timeout=300, check=False
            )
            assert done.returncode == 0, done.stderr
            return done.stdout
        finally:
            venue.stop()

    killed = run(tmp_path / "killed", tmp_path / "killed-ledger.db", kill=True)
    whole = run(tmp_path / "whole", tmp_path / "whole-ledger.db", kill=False)
    assert "resumed" in killed
    assert digest(killed) == digest(whole)
    assert buffered(tmp_path / "killed") == buffered(tmp_path / "whole") == 16
