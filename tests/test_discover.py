"""`tape discover` against a fake leaderboard and Data API on loopback with scripted wallets:
the steady trader ranks first, every other wallet is filtered with its reason, the copy
simulation's figure is explained by `tape why`, following is a recorded change, the run is
cached and replays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.cli_rig import run_cli
from tests.fake_discovery import EXPECTED_REASONS, WALLETS, FakeDiscoveryApi


@pytest.fixture
def fake() -> Iterator[FakeDiscoveryApi]:
    server = FakeDiscoveryApi(datetime.now(UTC)).start()
    yield server
    server.stop()


@pytest.fixture
def tape(
    fake: FakeDiscoveryApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    monkeypatch.setenv("TAPE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("POLYMARKET_DATA_URL", fake.origin)
    monkeypatch.delenv("TAPE_DATABASE_URL", raising=False)
    monkeypatch.delenv("TAPE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(capsys, *args)

    return run


def test_the_steady_trader_ranks_first_and_every_other_wallet_is_filtered_with_its_reason(
    tape: Any, tmp_path: Path
) -> None:
    import json  # noqa: PLC0415

    code, out, err = tape("discover", "--json", "--chart", str(tmp_path / "equity.png"))
    assert code == 0, err
    found = json.loads(out)
    by_wallet = {c["wallet"]: c for c in found["candidates"]}
    assert set(by_wallet) == set(WALLETS.values())
    first = found["candidates"][0]
    assert first["wallet"] == WALLETS["steady"]
    assert first["rank"] == 1
    assert by_wallet[WALLETS["modest"]]["rank"] == 2
    for label, reason in EXPECTED_REASONS.items():
        assert by_wallet[WALLETS[label]]["verdict"] == f"filtered: {reason}", label
        assert by_wallet[WALLETS[label]]["rank"] is None
    # the board's top wallet is the lucky one; discovery does not follow the board
    assert found["candidates"][0]["wallet"] != WALLETS["lucky"]
    # the copy simulation's figure is the sum of what it is made of
    sim = first["simulation"]
    assert Decimal(sim["copy_pnl"]) == Decimal(sim["realised_pnl"]) + Decimal(sim["marked_pnl"])
    assert Decimal(sim["copy_pnl"]) > Decimal(
        by_wallet[WALLETS["modest"]]["simulation"]["copy_pnl"]
    )
    assert sim["trades_replayed"] == 28
    assert sim["copies_accepted"] == 28
    assert sim["markets_settled"] == 14
    assert sim["rules"]["delay_s"] == "30"
    assert (tmp_path / "equity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tape_why_explains_a_rank_and_a_filter(tape: Any) -> None:
    import json  # noqa: PLC0415

    code, _, err = tape("discover")
    assert code == 0, err
    code, out, err = tape("why", WALLETS["steady"])
    assert code == 0, err
    assert "rank 1" in out
    assert "copy simulation:" in out
    assert "delay 30s, slippage 0.5%" in out
    for name in ("market_maker", "near_certain", "wash_trading", "one_trade_luck"):
        assert f"ok   {name}" in out
    code, out, err = tape("why", WALLETS["maker"], "--json")
    assert code == 0, err
    verdict = json.loads(out)
    assert verdict["reason"] == "market_maker"
    failed = next(c for c in verdict["checks"] if not c["passed"])
    assert failed["name"] == "market_maker"
    assert failed["values"]["maker_share"] == "1"
    assert failed["values"]["max_maker_share"] == "0.5"


def test_a_second_run_within_the_hour_reads_the_cache_only(
    tape: Any, fake: FakeDiscoveryApi
) -> None:
    assert tape("discover")[0] == 0
    asked = len(fake.requests)
    assert asked > 0
    assert tape("discover")[0] == 0
    assert len(fake.requests) == asked


def test_following_a_candidate_is_a_recorded_change_that_replays(tape: Any, tmp_path: Path) -> None:
    import json  # noqa: PLC0415

    (tmp_path / "tape.toml").write_text('[agents.picker]\nstrategy = "copy"\n', encoding="utf-8")
    assert tape("agents", "add")[0] == 0
    assert tape("discover")[0] == 0
    code, out, err = tape("agents", "follow", "picker", WALLETS["steady"])
    assert code == 0, err
    assert f"picker follows {WALLETS['steady']}" in out
    agents = json.loads(tape("agents", "list", "--json")[1])
    assert agents[0]["follows"] == 1
    code, out, err = tape("agents", "follow", "nobody", WALLETS["steady"])
    assert code == 2
    assert "no agent named 'nobody'" in err
    code, out, err = tape("replay", "--verify")
    assert code == 0, out + err
    assert "verified" in out
