"""The crash harness: SIGKILL the engine mid-day, restart it, and prove nothing was lost or sent
twice and the outcome equals an uninterrupted run (see tests/crash_harness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crash_harness import run_harness


def test_engine_killed_ten_times_mid_day_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    result = run_harness(tmp_path, intents=1500, kills=10, seed=5, window=1.2)
    assert result.kills == 10
    assert result.problems == []
    assert result.digest == result.reference_digest


@pytest.mark.slow
def test_engine_killed_two_hundred_times_mid_day_loses_nothing_and_sends_nothing_twice(
    tmp_path: Path,
) -> None:
    result = run_harness(tmp_path, intents=12000, kills=200, seed=9, window=1.0)
    assert result.kills == 200
    assert result.problems == []
    assert result.digest == result.reference_digest
