"""A generated day of Limitless intents runs live against the fake Limitless API through
Tape's run path (``adapters.bootstrap.build`` with a Limitless key): every order is signed by
the key under its market's own exchange contract, none is placed twice, also across a crash right
after the venue accepted an order, a FAILED settlement voids its fill, and Tape's positions
equal the server's.

The day is the sample day with its venue renamed ``limitless`` (its condition ids are valid
slugs); every market gets an exchange of its own on the fake. The fake serves one book per
market (the YES token's, from the day's YES records; the NO book is its mirror, as on
Limitless, which the sample day's NO records are too)."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from adapters.bootstrap import Tape, build, day_clock
from adapters.clock import ManualClock
from adapters.config_file import TapeConfig, load_config
from adapters.ctf.eip712 import ORDER_V1_FIELDS, order_typed_data, recover_signer
from adapters.day_runner import DayRunner
from adapters.dayfile import BadLine, BookRecord, DayRecord, read_day
from adapters.limitless import client
from adapters.limitless.ratelimit import TokenLimiter
from adapters.limitless.venue import LimitlessVenue
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from adapters.settings import Settings
from engine.values import Book
from projections.views import LogViews
from tests.fake_limitless import FakeLimitless
from tests.fake_limitless.state import Market
from tests.venue_contract.limitless_harness import LIMITLESS_KEY, fake_environ

SEED = 7
INTENTS = 80
ADDRESS = Account.from_key(LIMITLESS_KEY).address


class Crash(BaseException):
    """The process dies (nothing after it runs)."""


@pytest.fixture
def day(tmp_path: Path) -> Path:
    """A generated day on Limitless."""
    source, path = tmp_path / "sample.jsonl", tmp_path / "day.jsonl"
    write_day(source, SEED, intents=INTENTS, bad_lines=False)
    text = source.read_text(encoding="utf-8").replace(
        '"venue": "polymarket"', '"venue": "limitless"'
    )
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def config(tmp_path: Path) -> TapeConfig:
    """The sample day's agents, on Limitless."""
    path = tmp_path / "tape.toml"
    path.write_text(DEMO_CONFIG_TOML.replace('["polymarket"]', '["limitless"]'), encoding="utf-8")
    return load_config(path, environ={})


def exchange_of(market: str) -> str:
    """A market's own exchange contract."""
    return Web3.to_checksum_address("0x" + hashlib.sha256(market.encode()).hexdigest()[:40])


def day_books(day: Path) -> list[Book]:
    """Every book record of a day."""
    with day.open(encoding="utf-8") as lines:
        return [r.book for r in read_day(lines) if isinstance(r, BookRecord)]


@pytest.fixture
def fake(day: Path) -> Iterator[FakeLimitless]:
    """Every market of the day (YES: its first token) on an exchange of its own."""
    api = FakeLimitless().start()
    tokens: dict[str, list[str]] = {}
    for book in day_books(day):
        pair = tokens.setdefault(book.market_id, [])
        if book.token_id not in pair:
            pair.append(book.token_id)
    for market, (yes, no) in tokens.items():
        api.add_market(Market(market, exchange_of(market), yes, no, min_size=Decimal(5)))
    yield api
    api.stop()


def run_live(
    tape: Tape, config: TapeConfig, day: Path, fake: FakeLimitless, fail: set[str]
) -> None:
    """``run_day``'s steps with the day's YES books put on the fake; matches settle as the
    day goes on: the first one matched is FAILED, the others CONFIRMED."""
    with day.open(encoding="utf-8") as lines:
        records: Iterator[DayRecord | BadLine] = read_day(lines)
        first = next(records)
        clock = tape.engine.clock
        assert isinstance(clock, ManualClock)
        assert not isinstance(first, BadLine)
        clock.set(first.at)
        tape.engine.register_agents(config.agents)
        recovery = tape.engine.recover()

        def books(book: Book) -> None:
            settle(fake, fail)
            market = fake.markets[book.market_id]
            if book.token_id == market.yes:
                fake.set_book(
                    market.slug,
                    bids=[(str(level.price), str(level.size)) for level in book.bids],
                    asks=[(str(level.price), str(level.size)) for level in book.asks],
                )

        runner = DayRunner(
            tape.engine, clock=clock, source=day.name, books=books, live=frozenset(tape.live)
        )
        runner.run(
            itertools.chain([first], records), resume_after=recovery.feed_positions.get(day.name, 0)
        )


def settle(fake: FakeLimitless, fail: set[str]) -> None:
    """Settle every matched order: the first one FAILED, the rest CONFIRMED."""
    for order in list(fake.orders.values()):
        if any(m.status == "MATCHED" for m in order.matches):
            if not fail:
                fail.add(order.id)
            fake.settle(order.id, "FAILED" if order.id in fail else "CONFIRMED")


def test_a_generated_day_trades_live_on_the_fake_once_per_order_across_a_crash(
    day: Path,
    config: TapeConfig,
    fake: FakeLimitless,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the real limiter, without the 300 ms spacing (test_limitless_venue checks it)
    monkeypatch.setattr(client, "TokenLimiter", lambda: TokenLimiter(spacing_s=0.0))
    environ = fake_environ(fake, tmp_path) | {
        "TAPE_HOME": str(tmp_path / "home"),
        "LIMITLESS_TIMEOUT_S": "5",
    }
    real_submit, calls = LimitlessVenue.submit, itertools.count(1)

    def crash_after_the_venue_took_the_tenth(self: LimitlessVenue, request: Any, **kw: Any) -> Any:
        report = real_submit(self, request, **kw)
        if next(calls) == 10:
            raise Crash
        return report

    fail: set[str] = set()
    first = build(Settings.load(environ), config, clock=day_clock())
    assert first.live == {"limitless"}
    monkeypatch.setattr(LimitlessVenue, "submit", crash_after_the_venue_took_the_tenth)
    with pytest.raises(Crash):
        run_live(first, config, day, fake, fail)
    first.app.close()
    monkeypatch.setattr(LimitlessVenue, "submit", real_submit)
    tape = build(Settings.load(environ), config, clock=day_clock())
    try:
        run_live(tape, config, day, fake, fail)
        settle(fake, fail)
        tape.engine.poll_venue("limitless")
        views = LogViews.build(tape.app)
    finally:
        tape.app.close()

    orders = [row for row in views.orders.rows.values() if row["venue"] == "limitless"]
    sent = Counter(body["clientOrderId"] for body in fake.received)
    assert len(sent) >= 20
    assert set(sent.values()) == {1}  # none twice, the crashed one included
    assert fake.calls[("POST", "/orders")] == len(fake.received)
    assert {row["client_order_id"] for row in orders if row["status"] != "REJECTED"} == set(sent)
    exchanges = set()
    for body in fake.received:  # checked again here, independently of the fake
        market = fake.markets[body["marketSlug"]]
        exchanges.add(market.exchange)
        typed = order_typed_data(
            name="Limitless CTF Exchange", version="1", chain_id=8453, exchange=market.exchange,
            fields=ORDER_V1_FIELDS,
            message={f["name"]: body["order"][f["name"]] if f["type"] == "address"
                     else int(body["order"][f["name"]]) for f in ORDER_V1_FIELDS},
        )  # fmt: skip
        assert recover_signer(typed, body["order"]["signature"]) == ADDRESS
    assert len(exchanges) > 1
    [failed] = fail
    voided = [row for row in orders if row["voided"]]
    assert [row["venue_order_id"] for row in voided] == [failed]
    assert all(not f["provisional"] for row in orders for f in row["fills"])
    held: Counter[str] = Counter()
    for position in views.positions.rows.values():
        # a resolved market's tokens are settled in Tape and still held on chain until redeemed
        held[position["token_id"]] += position["size"] + position["settled_size"]
    server = {token: size for (owner, token), size in fake.holdings.items() if owner == ADDRESS}
    assert {t: s for t, s in held.items() if s} == {t: s for t, s in server.items() if s}
    assert fake.auth_failures == []
    stored = b"".join(
        p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".toml"
    )
    for name in ("LIMITLESS_PRIVATE_KEY", "LIMITLESS_API_SECRET"):  # never in the store or journal
        assert environ[name].removeprefix("0x").encode() not in stored
