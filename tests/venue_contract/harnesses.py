"""The venues under the contract, each its real adapter on a fake server on loopback.

- ``paper``: the in-process paper venue (no server: it is its own venue).
- ``paper-process``: ``tape paper-venue`` in its own process, through ``HttpPaperVenues``.
- ``polymarket``: ``PolymarketVenue`` -> py-clob-client-v2 -> the fake CLOB.
- ``kalshi``: ``KalshiVenue`` -> httpx, RSA-PSS signed -> the fake Kalshi (V2 orders).
- ``limitless``: ``LimitlessVenue`` -> the fake Limitless API (``limitless_harness.py``).

To add a venue: a harness class and a branch in ``open_harness``.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import requests
from eth_account import Account

from adapters.clock import ManualClock
from adapters.kalshi.client import Retries
from adapters.kalshi.config import config_from_env as kalshi_config
from adapters.kalshi.factory import build_kalshi, signed_client
from adapters.paper.http_venue import HttpPaperVenues
from adapters.paper.venue import PaperVenues
from adapters.polymarket.config import config_from_env
from adapters.polymarket.factory import build_polymarket
from adapters.polymarket.ratelimit import Backoff, RateLimiter
from engine.ports import VenuePort, VenueReport
from engine.values import Book, Level
from tests.crash_harness import TAPE, _env
from tests.fake_clob import FakeClob
from tests.fake_kalshi import FakeKalshi
from tests.fake_kalshi.keys import KEY_ID, pem, rsa_key
from tests.venue_contract.harness import ASKS, BIDS, RESTING_PRICE, Supports
from tests.venue_contract.limitless_harness import LimitlessOnFake

D = Decimal
T0 = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=1)  # when the paper day's second book (the resting fill) comes
PAPER_FEE = D("0.01")
TOKEN = "7"  # noqa: S105 - a token id, not a password


def _levels(pairs: tuple[tuple[str, str], ...]) -> tuple[Level, ...]:
    return tuple(Level(D(price), D(size)) for price, size in pairs)


def _book(at: datetime, asks: tuple[tuple[str, str], ...] = ASKS) -> Book:
    return Book(
        venue="polymarket",
        token_id=TOKEN,
        at=at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        bids=_levels(BIDS),
        asks=_levels(asks),
        tick_size=D("0.01"),
        min_size=D("5"),
    )


RESTING_FILL_ASKS = ((RESTING_PRICE, "100"),)  # a later book that fills a resting BUY


class InProcessPaper:
    """The in-process paper venue."""

    token = TOKEN
    supports = Supports(stalled_answers=False)
    durable = False
    fee_rate = PAPER_FEE

    def __init__(self) -> None:
        self.venues = PaperVenues(fee_rate=PAPER_FEE)
        self.venue: VenuePort = self.venues["polymarket"]
        self.venues.on_book(_book(T0))

    def stall_next_submit(self) -> None:
        """An in-process call cannot time out."""
        raise NotImplementedError

    def fill_resting(self, report: VenueReport, size: Decimal) -> None:
        """A new book whose asks cross the resting BUY."""
        self.venues.on_book(_book(LATER, RESTING_FILL_ASKS))

    def settle(self, report: VenueReport, *, failed: bool) -> None:
        """Paper fills are final at once."""
        raise NotImplementedError


class PaperProcess:
    """``tape paper-venue`` in its own process, its books from a two-book day file."""

    token = TOKEN
    supports = Supports(stalled_answers=True)
    durable = True
    fee_rate = PAPER_FEE

    def __init__(self, folder: Path) -> None:
        day = folder / "day.jsonl"
        books = [_book(T0), _book(LATER, RESTING_FILL_ASKS)]
        day.write_text("".join(json.dumps(_book_record(book)) + "\n" for book in books))
        command = [*TAPE, "paper-venue", "--port", "0", "--day", str(day), "--faults"]
        command += ["--ledger", str(folder / "ledger.db"), "--fee-rate", str(PAPER_FEE)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(folder)
        )
        assert self.process.stdout is not None
        match = re.search(r"http://127\.0\.0\.1:\d+", self.process.stdout.readline())
        assert match is not None, "the paper venue process did not start"
        self.url = match.group(0)
        self.clock = ManualClock(T0 + timedelta(seconds=1))
        self.venue: VenuePort = HttpPaperVenues(self.url, clock=self.clock, timeout_s=0.5)[
            "polymarket"
        ]

    def stall_next_submit(self) -> None:
        """The process takes the next order, then answers after the client's timeout."""
        faults = {"timeout_after_accept": 1, "delay_s": 1.5}
        requests.post(f"{self.url}/_faults", json=faults, timeout=5).raise_for_status()

    def fill_resting(self, report: VenueReport, size: Decimal) -> None:
        """The engine's clock reaches the day's second book, whose asks cross the order."""
        self.clock.set(LATER)

    def settle(self, report: VenueReport, *, failed: bool) -> None:
        """Paper fills are final at once."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop the process."""
        self.process.terminate()
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def _book_record(book: Book) -> dict[str, Any]:
    return {
        "type": "book",
        "at": book.at,
        "venue": book.venue,
        "token_id": book.token_id,
        "bids": [[str(level.price), str(level.size)] for level in book.bids],
        "asks": [[str(level.price), str(level.size)] for level in book.asks],
        "tick_size": str(book.tick_size),
        "min_size": str(book.min_size),
    }


POLYMARKET_KEY = "0x" + "4c" * 32  # a test key, never funded anywhere
YES = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
NO = "52114319501245915516055106046884209969926127482827954674443846427813813222426"


class PolymarketOnFakeClob:
    """The real Polymarket adapter, through py-clob-client-v2, on the fake CLOB."""

    token = YES
    supports = Supports(stalled_answers=True, provisional_fills=True)
    durable = True
    fee_rate = D(0)  # the fake's markets charge no fee (fee_rate_bps 0)

    def __init__(self, folder: Path) -> None:
        self.clob = FakeClob().start()
        self.clob.add_market("Will it rain in Paris?", [(YES, "Yes"), (NO, "No")], tick="0.01")
        self.clob.fund(Account.from_key(POLYMARKET_KEY).address, "1000")
        self.clob.set_book(YES, bids=list(BIDS), asks=list(ASKS))
        config = config_from_env(
            {
                "POLYMARKET_PRIVATE_KEY": POLYMARKET_KEY,
                "POLYMARKET_CLOB_URL": self.clob.url,
                "POLYMARKET_GAMMA_URL": self.clob.gamma_url,
                "POLYMARKET_STATE_DIR": str(folder / "polymarket"),
                "POLYMARKET_TIMEOUT_S": "0.4",
                "TAPE_HOME": str(folder / "home"),
            }
        )
        assert config is not None
        limiter = RateLimiter(sleep=lambda seconds: None)
        venue, _ = build_polymarket(
            config, limiter=limiter, backoff=Backoff(attempts=2, first_delay=0.01)
        )
        self.venue: VenuePort = venue

    def stall_next_submit(self) -> None:
        """The fake takes the next order, then answers after the client's timeout."""
        self.clob.delay("POST", "/order", 1.0)

    def fill_resting(self, report: VenueReport, size: Decimal) -> None:
        """Another trader takes ``size`` of our resting order."""
        assert report.venue_order_id is not None
        self.clob.hit_resting(report.venue_order_id, str(size))

    def settle(self, report: VenueReport, *, failed: bool) -> None:
        """Every trade of the order is CONFIRMED (or FAILED)."""
        assert report.venue_order_id is not None
        for trade in self.clob.trades_of(report.venue_order_id):
            self.clob.set_trade_status(trade["id"], "FAILED" if failed else "CONFIRMED")

    def close(self) -> None:
        """Stop the fake server."""
        self.clob.stop()


class KalshiOnFake:
    """The real Kalshi adapter, signing with an RSA key, on the fake Kalshi."""

    token = "KXRAIN-26JAN30-PARIS:yes"  # noqa: S105 - a token id, not a password
    supports = Supports(stalled_answers=True)
    durable = True
    fee_rate = D(0)

    def __init__(self, folder: Path) -> None:
        self.fake = FakeKalshi().start()
        ticker = self.token.split(":")[0]
        self.fake.add_market(ticker)
        # the standard book: YES asks are implied by NO bids (a NO bid at q is a YES ask at 1-q)
        no_bids = [(str(1 - D(price)), size) for price, size in ASKS]
        self.fake.set_book(ticker, yes=list(BIDS), no=no_bids)
        self.fake.register_key(KEY_ID, rsa_key().public_key(), balance="10000")
        config = kalshi_config(
            {
                "KALSHI_API_KEY_ID": KEY_ID,
                "KALSHI_PRIVATE_KEY": pem(rsa_key()),
                "KALSHI_API_URL": self.fake.url,
                "KALSHI_TIMEOUT_S": "0.4",
                "KALSHI_STATE_DIR": str(folder / "kalshi"),
            }
        )
        assert config is not None
        client = signed_client(config)
        client.retries = Retries(first_delay=0.01)
        self.venue: VenuePort = build_kalshi(config, client)[0]

    def expected_fee(self, price: Decimal, size: Decimal) -> Decimal:
        """Kalshi's taker fee, computed here from the schedule (ceil to the cent)."""
        raw = D("0.07") * size * price * (1 - price)
        return raw.quantize(D("0.01"), rounding=ROUND_CEILING)

    def stall_next_submit(self) -> None:
        """The fake takes the next order, then answers after the client's timeout."""
        self.fake.fault("POST", "/portfolio/events/orders", delay_s=1.0)

    def fill_resting(self, report: VenueReport, size: Decimal) -> None:
        """Another trader takes ``size`` of our resting order."""
        assert report.venue_order_id is not None
        self.fake.hit_resting(report.venue_order_id, str(size))

    def settle(self, report: VenueReport, *, failed: bool) -> None:
        """Kalshi's fills are final at once."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop the fake server."""
        self.fake.stop()


VENUES = ("paper", "paper-process", "polymarket", "kalshi", "limitless")


def open_harness(name: str, folder: Path) -> Any:
    """The harness of one venue, started."""
    if name == "paper":
        return InProcessPaper()
    if name == "paper-process":
        return PaperProcess(folder)
    if name == "polymarket":
        return PolymarketOnFakeClob(folder)
    if name == "kalshi":
        return KalshiOnFake(folder)
    if name == "limitless":
        return LimitlessOnFake(folder)
    raise ValueError(name)
