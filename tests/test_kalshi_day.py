"""A generated day of Kalshi intents through the engine: live on the fake Kalshi (every order
V2 and signed, none sent twice, also across a crash after Kalshi accepted one; Tape's
positions, fees and cash equal the exchange's), and the same day on the paper venue with the
same books gives the same decisions."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from adapters.bootstrap import build, day_clock
from adapters.config_file import load_config
from adapters.kalshi.fees import taker_fee
from adapters.replay.verify import verify
from adapters.settings import Settings
from cli.run_cmd import run_day
from engine.application import WRITER_CACHE_ENV, TapeApplication
from engine.ports import OrderRequest, VenueReport
from engine.values import Book
from projections.views import LogViews
from tests.conftest import (
    EngineRig,
    a_source,
    an_agent_config,
    an_intent,
    at_offset,
    make_rig,
    sqlite_env,
)
from tests.fake_kalshi import FakeKalshi
from tests.kalshi_rig import leg_book, live_kalshi, put_on_fake, started_fake

D = Decimal
TICKERS = ("KXFED-26DEC-T4.00", "KXRAIN-26JAN30-PARIS", "KXBTC-26DEC31-B100000")
BALANCE = D("10000")


def generate_day(seed: int, steps: int = 30) -> list[tuple[Book, dict[str, Any]]]:
    """(book, intent fields) per step: one leg per market, buys and the trader's sells."""
    rng = random.Random(seed)
    legs = {ticker: rng.choice(("yes", "no")) for ticker in TICKERS}
    day = []
    for step in range(steps):
        ticker = rng.choice(TICKERS)
        token = f"{ticker}:{legs[ticker]}"
        mid = D(rng.randint(15, 85)) / 100
        bids = [(str(mid - D("0.01") * k), str(rng.randint(5, 120))) for k in (1, 2)]
        asks = [(str(mid + D("0.01") * k), str(rng.randint(5, 120))) for k in (0, 1)]
        at = at_offset(step * 60).isoformat().replace("+00:00", "Z")
        book = leg_book(token, bids, asks, at=at)
        side = "SELL" if rng.random() < 0.3 else "BUY"
        price = asks[0][0] if side == "BUY" else bids[0][0]
        tx = f"0x{seed:02x}{step:04x}"
        fields = {
            "intent_id": f"copy:{tx}:{token}:{side}",
            "venue": "kalshi",
            "market_id": ticker,
            "token_id": token,
            "outcome": legs[ticker].capitalize(),
            "side": side,
            "price": price,
            "size": str(rng.randint(20, 400)),
            "created_at": at,
            "source": a_source(tx_hash=tx, trader_position_before="800"),
        }
        day.append((book, fields))
    return day


AGENTS = [an_agent_config(venues=["kalshi"], order_type="FAK", max_intent_usdc="1000")]


def outcome(rig: EngineRig) -> dict[str, Any]:
    """The verdicts, orders, positions and cash a run ends with."""
    views = LogViews.build(rig.app)
    intents = sorted(
        (r["intent_id"], r["verdict"], r["reason"]) for r in views.intents.rows.values()
    )
    orders = sorted(
        (r["intent_id"], r["side"], r["price"], r["size"], r["status"], r["filled"])
        for r in views.orders.rows.values()
    )
    positions = sorted(
        (p["token_id"], p["size"], p["fees"], p["realised_pnl"])
        for p in views.positions.with_marks(views.marks)
    )
    cash = {row["venue"]: row["cash"] for row in views.balances.rows.values()}
    return {"intents": intents, "orders": orders, "positions": positions, "cash": cash}


@pytest.fixture
def fake() -> Iterator[FakeKalshi]:
    """The fake Kalshi with the day's markets and a funded key."""
    fake = started_fake(str(BALANCE))
    for ticker in TICKERS:
        fake.add_market(ticker)
    yield fake
    fake.stop()


class Crash(BaseException):
    """The process dies (not an error the engine may catch)."""


class CrashAfterAccept:
    """The live venue, but the process dies right after Kalshi took the ``nth`` order."""

    durable = True

    def __init__(self, venue: Any, nth: int) -> None:
        self.venue, self.name, self.nth, self.sent = venue, venue.name, nth, 0

    def submit(self, request: OrderRequest, **kw: Any) -> VenueReport:
        report: VenueReport = self.venue.submit(request, **kw)
        self.sent += 1
        if self.sent == self.nth:
            raise Crash
        return report

    def __getattr__(self, name: str) -> Any:
        return getattr(self.venue, name)


def run_live(
    fake: FakeKalshi,
    folder: Path,
    day: list[tuple[Book, dict[str, Any]]],
    *,
    crash_at: int | None = None,
) -> EngineRig:
    """The day on the fake through the real adapter; with ``crash_at``, the process dies after
    Kalshi accepted that order and a new one (same store, same journal) recovers and goes on."""
    folder.mkdir(parents=True, exist_ok=True)
    venue, market_data = live_kalshi(fake, folder)
    wrapped: Any = venue if crash_at is None else CrashAfterAccept(venue, crash_at)
    rig = make_rig(
        folder / "live.db", agents=AGENTS, venues={"kalshi": wrapped}, market_data=market_data
    )
    for index, (book, fields) in enumerate(day):
        put_on_fake(fake, book)
        try:
            rig.submit(**fields)
        except Crash:
            rig.app.close()
            venue, market_data = live_kalshi(fake, folder)  # a new process: journal re-read
            rig = make_rig(
                folder / "live.db", agents=AGENTS, venues={"kalshi": venue}, market_data=market_data
            )
            rig.clock.set(at_offset(index * 60 + 1))
            recovery = rig.engine.recover()
            assert recovery.decided == 0
    return rig


def run_paper(folder: Path, day: list[tuple[Book, dict[str, Any]]]) -> EngineRig:
    """The day on the in-process paper venue (Kalshi's fee model), the same books."""
    folder.mkdir(parents=True, exist_ok=True)
    rig = make_rig(folder / "paper.db", agents=AGENTS)
    for book, fields in day:
        rig.show_book(book)
        rig.submit(**fields)
    return rig


def server_cash_flow(fake: FakeKalshi) -> D:
    """What the exchange's balance moved by."""
    return fake.accounts[next(iter(fake.keys))].balance - BALANCE


@pytest.mark.parametrize("seed", [3, 11])
def test_a_generated_day_on_the_fake_equals_the_exchange_and_paper(
    fake: FakeKalshi, tmp_path: Path, seed: int
) -> None:
    day = generate_day(seed)
    live = run_live(fake, tmp_path / "live", day)
    paper = run_paper(tmp_path / "paper", day)
    try:
        on_live, on_paper = outcome(live), outcome(paper)
    finally:
        live.app.close()
        paper.app.close()
    assert on_live == on_paper
    for db in (tmp_path / "live" / "live.db", tmp_path / "paper" / "paper.db"):
        app = TapeApplication(env={**sqlite_env(db), **WRITER_CACHE_ENV})
        try:
            assert verify(app).ok  # the venue's answers and the books in the log replay it
        finally:
            app.close()
    verdicts = Counter(v for _, v, _ in on_live["intents"])
    assert verdicts["ACCEPTED"] >= 10
    assert {side for _, side, *_ in on_live["orders"]} == {"BUY", "SELL"}
    assert_equal_to_exchange(fake, on_live)


def assert_equal_to_exchange(fake: FakeKalshi, result: dict[str, Any]) -> None:
    """Every order V2 and signed, none twice; positions, fees and cash as the exchange has them."""
    posts = fake.create_orders()
    assert posts
    assert {path for path, _ in posts} == {"/trade-api/v2/portfolio/events/orders"}
    cids = [body["client_order_id"] for _, body in posts]
    assert len(cids) == len(set(cids)) == len(fake.orders)
    assert [p for m, p in fake.signed if m == "POST"] == [p for p, _ in posts]  # all verified
    account = fake.accounts[next(iter(fake.keys))]
    net: dict[str, D] = {}
    for token, size, _, _ in result["positions"]:
        ticker, leg = token.split(":")
        net[ticker] = net.get(ticker, D(0)) + (size if leg == "yes" else -size)
    assert {t: n for t, n in net.items() if n} == {t: p for t, p in account.positions.items() if p}
    tape_fees = sum((fees for _, _, fees, _ in result["positions"]), D(0))
    assert tape_fees == sum(account.fees.values(), D(0))
    assert tape_fees > 0
    assert result["cash"]["kalshi"] == server_cash_flow(fake)


def test_a_crash_after_kalshi_accepted_an_order_sends_it_once_and_ends_the_same(
    tmp_path: Path,
) -> None:
    day = generate_day(5, steps=20)
    results = []
    for crash_at in (None, 4):
        fake = started_fake(str(BALANCE))
        for ticker in TICKERS:
            fake.add_market(ticker)
        try:
            rig = run_live(fake, tmp_path / f"run-{crash_at}", day, crash_at=crash_at)
            result = outcome(rig)
            rig.app.close()
            assert_equal_to_exchange(fake, result)
            results.append(result)
        finally:
            fake.stop()
    assert results[0] == results[1]


CONFIG = f"""\
[agents.{AGENTS[0].name}]
strategy = "copy"
venues = ["kalshi"]
follow = ["{AGENTS[0].follow[0]}"]
markets = []
sizing = {{ mode = "PERCENTAGE", value = "10" }}
order_type = "FAK"
max_intent_usdc = "1000"
max_intent_age_s = 120
max_slippage_pct = "2"
max_position_usdc = "500"
max_trades_per_day = 50
stop_loss_usdc = "200"
budget_usdc = "1000"
"""


def day_file(path: Path, day: list[tuple[Book, dict[str, Any]]]) -> Path:
    """The day as a ``tape.day/1`` file: each book record, then its intent a second later."""
    lines = []
    for book, fields in day:
        record = {"type": "book", **book.to_record(), "market_id": book.market_id}
        intent = {"schema": "tape.intent/1", **an_intent(**fields)}
        lines.append(json.dumps(record))
        lines.append(json.dumps({"type": "intent", "at": book.at, "intent": intent}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_day_file_of_kalshi_books_runs_on_paper_with_kalshis_fees(tmp_path: Path) -> None:
    day = generate_day(3)
    config_path = tmp_path / "tape.toml"
    config_path.write_text(CONFIG, encoding="utf-8")
    config = load_config(config_path, environ={})
    tape = build(Settings.load({"TAPE_HOME": str(tmp_path / "home")}), config, clock=day_clock())
    rig = run_paper(tmp_path / "rig", day)
    try:
        assert tape.live == set()
        run_day(tape, config, day_file(tmp_path / "day.jsonl", day))
        from_file = LogViews.build(tape.app)
        on_rig = outcome(rig)
    finally:
        tape.app.close()
        rig.app.close()
    fills = [f for row in from_file.orders.rows.values() for f in row["fills"]]
    assert fills
    for fill in fills:
        assert D(fill["fee"]) == taker_fee(D(fill["size"]), D(fill["price"]))
    verdicts = sorted((r["intent_id"], r["verdict"]) for r in from_file.intents.rows.values())
    assert verdicts == [(i, v) for i, v, _ in on_rig["intents"]]


def test_an_order_whose_answer_timed_out_is_found_by_reconciliation_not_sent_again(
    tmp_path: Path,
) -> None:
    fake = started_fake(str(BALANCE))
    for ticker in TICKERS:
        fake.add_market(ticker)
    day = generate_day(5, steps=20)
    try:
        fake.fault("POST", "/portfolio/events/orders", delay_s=1.0)  # the first order's answer
        rig = run_live(fake, tmp_path, day)
        rig.engine.reconcile_open_orders()
        result = outcome(rig)
        events = [type(e).__name__ for e in rig.events()]
        rig.app.close()
    finally:
        fake.stop()
    assert "OrderSubmissionUncertain" in events
    assert {status for *_, status, _ in result["orders"]} <= {"FILLED", "CANCELED", "REJECTED"}
    assert_equal_to_exchange(fake, result)
