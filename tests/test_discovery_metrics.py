"""Discovery's parts: the real Data API rows parse into a history, metrics count wins by
market outcome (not by the sign of realised PnL), the filters name their values, the limiter
holds requests to their budget and the cache answers a repeated request."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discovery.cache import DiskCache
from adapters.discovery.client import DiscoveryClient
from adapters.discovery.parse import build_history
from adapters.polymarket.ratelimit import RateLimiter
from engine.discovery.history import ClosedPosition, Fill, History
from engine.discovery.metrics import compute_metrics
from engine.discovery.screen import Thresholds, first_failed, rank, screen

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
D = Decimal
T0 = datetime(2026, 7, 1, tzinfo=UTC)


def real(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return rows


def test_the_real_rows_parse_into_a_history_with_nothing_skipped() -> None:
    history, skipped = build_history(
        "0x6a72f61820b26b1fe4d956e17b6dc2a1ea3033ee",
        trades_all=real("pm_trades_global_sample5.json"),
        trades_taker=real("pm_trades_global_sample5.json"),
        activity=real("pm_activity_kch123_10rec.json")
        + real("pm_activity_wallet_09b428_redeems15.json"),
        closed=real("pm_closed_positions_kch123.json"),
    )
    assert not skipped
    assert len(history.fills) == 5
    assert not any(f.maker for f in history.fills)  # every fill is in the taker-only answer
    assert len(history.redeems) == 15
    assert len(history.closed) == 5
    # kch123's closed positions say which token won each market
    first = real("pm_closed_positions_kch123.json")[0]
    assert history.winners()[first["conditionId"]] == first["asset"]
    metrics = compute_metrics(history)
    assert metrics.trades == 5


def test_a_fill_missing_from_the_taker_only_answer_is_a_maker_fill() -> None:
    rows = real("pm_trades_global_sample5.json")
    history, _ = build_history(
        "0x" + "1" * 40, trades_all=rows, trades_taker=rows[:2], activity=[], closed=[]
    )
    assert [f.maker for f in history.fills] == [False, False, True, True, True]
    assert compute_metrics(history).maker_share == D("0.6")


def fill(side: str, asset: str, size: str, price: str, hours: float) -> Fill:
    return Fill(side, asset, "m", D(size), D(price), T0 + timedelta(hours=hours), f"0x{hours}")


def test_win_rate_is_by_market_outcome_not_by_the_sign_of_realised_pnl() -> None:
    # Bought YES at 0.40, sold it at 0.60 (a profit), and YES lost: the market is a loss by
    # outcome though its realised PnL is positive.
    history = History(
        "0x" + "2" * 40,
        fills=(fill("BUY", "yes", "100", "0.40", 0), fill("SELL", "yes", "100", "0.60", 5)),
        closed=(ClosedPosition("yes", "m", D("0.4"), D(100), D(20), D(0), "no"),),
    )
    metrics = compute_metrics(history)
    assert metrics.realised_pnl == D(20)
    assert metrics.resolved_markets == 1
    assert metrics.wins == 0
    assert metrics.win_rate == 0


def test_each_filter_names_the_values_it_compared() -> None:
    history = History(
        "0x" + "3" * 40, fills=tuple(fill("BUY", f"t{i}", "10", "0.99", i) for i in range(3))
    )
    checks = screen(compute_metrics(history), Thresholds())
    assert first_failed(checks) == "near_certain"
    near = next(c for c in checks if c.name == "near_certain")
    assert near.values == {"avg_entry_price": "0.99", "max_avg_entry_price": "0.9"}
    history_check = next(c for c in checks if c.name == "too_little_history")
    assert not history_check.passed
    assert history_check.values["trades"] == "3"


def test_ranks_go_to_those_that_passed_by_copy_pnl_ties_by_wallet() -> None:
    ranks = rank([("b", True, D(5)), ("a", True, D(5)), ("c", False, D(99)), ("d", True, None)])
    assert ranks == {"a": 1, "b": 2, "d": 3}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),  # market
            st.sampled_from(["0.30", "0.50", "0.70"]),
            st.integers(1, 50),  # shares
            st.integers(0, 400),  # hours after T0
            st.booleans(),  # also sold back at the same price within the hour
        ),
        max_size=25,
    ),
    st.dictionaries(st.integers(0, 5), st.booleans()),
)
def test_metrics_hold_their_invariants(
    plan: list[tuple[int, str, int, int, bool]], outcome: dict[int, bool]
) -> None:
    fills: list[Fill] = []
    for n, (market, price, shares, hours, round_trip) in enumerate(plan):
        at = T0 + timedelta(hours=hours, seconds=n)
        fills.append(Fill("BUY", f"y{market}", f"m{market}", D(shares), D(price), at, f"0xb{n}"))
        if round_trip:
            back = at + timedelta(minutes=30)
            fills.append(
                Fill("SELL", f"y{market}", f"m{market}", D(shares), D(price), back, f"0xs{n}")
            )
    closed = tuple(
        ClosedPosition(f"y{m}", f"m{m}", D("0.5"), D(1), D(0), D(1 if won else 0), f"n{m}")
        for m, won in outcome.items()
    )
    metrics = compute_metrics(History("0x" + "4" * 40, fills=tuple(fills), closed=closed))
    assert 0 <= metrics.wins <= metrics.resolved_markets <= metrics.markets
    assert metrics.trades == len(fills)
    assert 0 <= metrics.wash_share <= 1
    assert metrics.max_drawdown >= 0
    if metrics.best_day_share is not None:
        assert metrics.best_day_share > 0


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["0.30", "0.50", "0.70"]), st.integers(1, 50)),
        min_size=1,
        max_size=20,
    )
)
def test_buys_sold_back_at_their_price_within_the_hour_gain_nothing_and_are_all_wash(
    plan: list[tuple[str, int]],
) -> None:
    fills: list[Fill] = []
    for n, (price, shares) in enumerate(plan):
        at = T0 + timedelta(hours=2 * n)
        fills.append(Fill("BUY", f"t{n}", f"m{n}", D(shares), D(price), at, f"0xb{n}"))
        back = at + timedelta(minutes=20)
        fills.append(Fill("SELL", f"t{n}", f"m{n}", D(shares), D(price), back, f"0xs{n}"))
    metrics = compute_metrics(History("0x" + "5" * 40, fills=tuple(fills)))
    assert metrics.realised_pnl == 0
    assert metrics.wash_share == 1
    assert first_failed(screen(metrics, Thresholds())) == "wash_trading"


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class CountingData:
    def __init__(self) -> None:
        self.asked: list[tuple[float, str]] = []
        self.time: FakeTime | None = None

    def get_list(self, path: str, params: Any) -> list[dict[str, Any]]:
        assert self.time is not None
        self.asked.append((self.time.now, path))
        return [{"path": path, "offset": params.get("offset")}]


def test_the_limiter_keeps_each_family_within_its_budget_and_the_cache_answers_again(
    tmp_path: Path,
) -> None:
    time = FakeTime()
    data = CountingData()
    data.time = time
    limiter = RateLimiter(
        {"trades": (2, 10.0), "other": (100, 10.0)}, clock=time.clock, sleep=time.sleep
    )
    cache = DiskCache(tmp_path, ttl_s=60, clock=time.clock)
    client = DiscoveryClient(data, limiter=limiter, cache=cache)  # type: ignore[arg-type]
    for n in range(6):
        client.get("/trades", {"user": "u", "offset": n}, "trades")
    times = [at for at, _ in data.asked]
    # two at once, then one every 5 s (2 per 10 s)
    assert times == [0.0, 0.0, 5.0, 10.0, 15.0, 20.0]
    assert time.slept
    again = client.get("/trades", {"user": "u", "offset": 0}, "trades")
    assert again == [{"path": "/trades", "offset": 0}]
    assert len(data.asked) == 6  # from the cache
    time.now += 61
    client.get("/trades", {"user": "u", "offset": 0}, "trades")
    assert len(data.asked) == 7  # too old: asked again
