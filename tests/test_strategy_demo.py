"""``tape demo --strategies``: the sample strategy day run by strategy agents, then the
commands a user reaches for: why, report, replay --verify and the what-if; and the plain
demo's digest, which strategies must not change."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adapters.sample_day.strategy_day import (
    DISLOCATIONS,
    KALSHI_NO,
    KALSHI_YES,
    POLY_NO,
    POLY_YES,
    SPIKES,
    STRATEGY_CONFIG_TOML,
    iter_strategy_day,
)
from tests.cli_rig import run_cli

PLAIN_DEMO_DIGEST = "14bd81fb71bb6e01aa9807fda518a48ec7e3e7adb9d14473cbc524ba9d22fdcd"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TAPE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TAPE_CONFIG", raising=False)
    return tmp_path / "home"


def test_demo_strategies_runs_the_strategy_day_and_explains_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "demo", "--strategies")
    assert code == 0, err
    assert "the sample strategy day" in out
    assert "960 books, 240 trades" in out
    strategies = re.search(r"strategies (\d+) intents given: (.*)", out)
    assert strategies is not None
    assert "revert" in strategies.group(2)
    assert "trend" in strategies.group(2)

    code, out, err = run_cli(capsys, "intents", "--json")
    rows = json.loads(out)
    entry = next(r for r in rows if r["agent"] == "revert" and r["side"] == "BUY")
    code, out, err = run_cli(capsys, "why", entry["intent_id"])
    assert code == 0, err
    assert "strategy mean_reversion: entry: z" in out
    assert "features " in out
    assert "z_entry=2" in out

    code, out, err = run_cli(capsys, "report")
    assert code == 0, err
    assert "PnL per strategy" in out
    assert re.search(r"mean_reversion\s+revert", out)
    assert re.search(r"momentum\s+trend", out)

    code, out, err = run_cli(capsys, "replay", "--verify")
    assert code == 0, out + err
    assert "MarketObserved" in out

    stricter = home.parent / "stricter.toml"
    stricter.write_text(
        STRATEGY_CONFIG_TOML.replace('min_move = "0.04"', 'min_move = "0.5"'), encoding="utf-8"
    )
    code, out, err = run_cli(capsys, "replay", "--config", str(stricter), "--json")
    assert code == 0, err
    diff = json.loads(out)
    removed = {o["intent_id"] for o in diff["orders_removed"]}
    assert removed
    assert all(i.startswith("strategy:revert:") for i in removed)
    assert diff["orders_added"] == []


def test_the_strategy_day_has_the_twin_books_spikes_and_dislocations() -> None:
    records = [json.loads(line) for line in iter_strategy_day()]
    books = [r for r in records if r["type"] == "book"]
    assert {b["token_id"] for b in books} == {POLY_YES, POLY_NO, KALSHI_YES, KALSHI_NO}
    assert [r["at"] for r in records] == sorted(r["at"] for r in records)
    by_time: dict[str, dict[str, dict[str, object]]] = {}
    for book in books:
        by_time.setdefault(str(book["at"]), {})[str(book["token_id"])] = book

    def cost(step_books: dict[str, dict[str, object]]) -> float:
        # YES on Polymarket plus NO on Kalshi, at the best asks
        poly_yes_ask = float(step_books[POLY_YES]["asks"][0][0])  # type: ignore[index]
        kalshi_no_ask = float(step_books[KALSHI_NO]["asks"][0][0])  # type: ignore[index]
        return round(poly_yes_ask + kalshi_no_ask, 2)

    costs = [cost(step) for _, step in sorted(by_time.items())]
    true = [costs[s] for s, (fall, _) in DISLOCATIONS.items() if fall == 3]
    erased = [costs[s] for s, (fall, _) in DISLOCATIONS.items() if fall == 2]
    assert true == [0.96] * len(true)
    assert len(true) >= 3
    assert erased == [0.99] * len(erased)
    assert len(erased) >= 3
    assert min(c for s, c in enumerate(costs) if s not in DISLOCATIONS) >= 1.0

    def reverse(step_books: dict[str, dict[str, object]]) -> float:
        # NO on Polymarket plus YES on Kalshi: never below 1 (the day has no other arbitrage)
        poly_no_ask = float(step_books[POLY_NO]["asks"][0][0])  # type: ignore[index]
        kalshi_yes_ask = float(step_books[KALSHI_YES]["asks"][0][0])  # type: ignore[index]
        return round(poly_no_ask + kalshi_yes_ask, 2)

    assert min(reverse(step) for _, step in by_time.items()) >= 1.0
    mids = [
        (float(s[POLY_YES]["bids"][0][0]) + float(s[POLY_YES]["asks"][0][0])) / 2  # type: ignore[index]
        for _, s in sorted(by_time.items())
    ]
    for step, (side, depth) in SPIKES.items():
        moved = mids[step] - mids[step - 1]
        assert abs(moved) >= (depth - 2) / 100
        assert (moved < 0) is (side == "yes")


def test_the_plain_demo_digest_is_unchanged(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "demo")
    assert code == 0, err
    assert f"digest     {PLAIN_DEMO_DIGEST}" in out
    assert "strategies" not in out


def test_strategy_agents_are_refused_on_workers_which_run_no_strategies(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = home.parent / "tape.toml"
    config.write_text(STRATEGY_CONFIG_TOML, encoding="utf-8")
    day = home.parent / "day.jsonl"
    day.write_text("\n".join(iter_strategy_day()) + "\n", encoding="utf-8")
    code, _, err = run_cli(
        capsys, "run", "--day", str(day), "--config", str(config), "--workers", "2"
    )
    assert code == 2
    assert "strategy agents (arb, revert, trend) run in one process" in err
