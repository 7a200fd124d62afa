"""What the Kalshi tests share: the fake on loopback with a registered key, the live adapter
wired to it, and Kalshi books in both forms (Tape's leg book, the fake's bids per leg)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from adapters.kalshi.client import Retries
from adapters.kalshi.config import config_from_env
from adapters.kalshi.factory import build_kalshi, signed_client
from adapters.kalshi.market_data import KalshiMarketData
from adapters.kalshi.venue import KalshiVenue
from engine.values import Book, Level
from tests.fake_kalshi import FakeKalshi
from tests.fake_kalshi.keys import KEY_ID, pem, rsa_key

D = Decimal
ONE = D(1)


def kalshi_environ(fake: FakeKalshi, folder: Path, **extra: str) -> dict[str, str]:
    """The variables of a live Kalshi run on the fake (key as PEM text)."""
    return {
        "KALSHI_API_KEY_ID": KEY_ID,
        "KALSHI_PRIVATE_KEY": pem(rsa_key()),
        "KALSHI_API_URL": fake.url,
        "KALSHI_TIMEOUT_S": "0.5",
        "KALSHI_STATE_DIR": str(folder / "kalshi"),
        **extra,
    }


def live_kalshi(fake: FakeKalshi, folder: Path) -> tuple[KalshiVenue, KalshiMarketData]:
    """The real adapter on the fake, its 429 waits shortened."""
    config = config_from_env(kalshi_environ(fake, folder))
    assert config is not None
    client = signed_client(config)
    client.retries = Retries(first_delay=0.001, max_delay=0.01)
    return build_kalshi(config, client)


def started_fake(balance: str = "10000") -> FakeKalshi:
    """A fake Kalshi with the test key registered and funded."""
    fake = FakeKalshi().start()
    fake.register_key(KEY_ID, rsa_key().public_key(), balance=balance)
    return fake


def leg_book(
    token_id: str, bids: list[tuple[str, str]], asks: list[tuple[str, str]], *, at: str
) -> Book:
    """Tape's book of one leg (whole contracts, cent tick)."""
    return Book(
        venue="kalshi",
        token_id=token_id,
        at=at,
        bids=tuple(Level(D(p), D(s)) for p, s in bids),
        asks=tuple(Level(D(p), D(s)) for p, s in asks),
        tick_size=D("0.01"),
        min_size=ONE,
        size_step=ONE,
        market_id=token_id.split(":", maxsplit=1)[0],
    )


def put_on_fake(fake: FakeKalshi, book: Book) -> None:
    """The leg book as the fake's resting bids: the leg's bids, and its asks as the other
    leg's bids at 1 - price."""
    ticker, leg = book.token_id.rsplit(":", 1)
    own = [(str(level.price), str(level.size)) for level in book.bids]
    other = [(str(ONE - level.price), str(level.size)) for level in book.asks]
    yes, no = (own, other) if leg == "yes" else (other, own)
    fake.set_book(ticker, yes=yes, no=no)
