"""The Limitless harness: the real ``LimitlessVenue`` on the fake Limitless API."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from eth_account import Account

from adapters.limitless.config import config_from_env
from adapters.limitless.factory import build_limitless
from adapters.limitless.ratelimit import TokenLimiter
from engine.ports import VenuePort, VenueReport
from tests.fake_limitless import FakeLimitless
from tests.fake_limitless.state import Market
from tests.venue_contract.harness import ASKS, BIDS, Supports

D = Decimal
LIMITLESS_KEY = "0x" + "5d" * 32  # a test key, never funded anywhere
EXCHANGE = "0x05c748E2f4DcDe0ec9Fa8DDc40DE6b867f923fa5"
YES = "19633204485790857949828516737993423758628930235371629943999544859571424574627"
NO = "51328486720932187423155946283495740837583659853265093463009282611447812632104"
SLUG = "will-it-rain-in-paris"


def fake_environ(fake: FakeLimitless, folder: Path, key: str = LIMITLESS_KEY) -> dict[str, str]:
    """The environment of the live adapter on ``fake`` (an account made for the key)."""
    account = fake.add_account(Account.from_key(key).address)
    return {
        "LIMITLESS_PRIVATE_KEY": key,
        "LIMITLESS_API_KEY": account.token_id,
        "LIMITLESS_API_SECRET": account.secret_b64,
        "LIMITLESS_API_URL": fake.url,
        "LIMITLESS_TIMEOUT_S": "0.4",
        "LIMITLESS_STATE_DIR": str(folder / "limitless"),
    }


def quick_limiter() -> TokenLimiter:
    """The real limiter with the spacing waived (the tests of the limiter check it)."""
    return TokenLimiter(spacing_s=0.0)


class LimitlessOnFake:
    """The real Limitless adapter on the fake Limitless API."""

    token = YES
    supports = Supports(stalled_answers=True, provisional_fills=True, fok=False)
    durable = True
    fee_rate = D(0)  # the fake's markets charge no fee

    def __init__(self, folder: Path) -> None:
        self.fake = FakeLimitless().start()
        self.fake.add_market(Market(SLUG, EXCHANGE, YES, NO))
        self.fake.set_book(SLUG, bids=list(BIDS), asks=list(ASKS))
        config = config_from_env(fake_environ(self.fake, folder))
        assert config is not None
        venue, _ = build_limitless(config, limiter=quick_limiter())
        self.venue: VenuePort = venue

    def stall_next_submit(self) -> None:
        """The fake takes the next order, then answers after the client's timeout."""
        self.fake.fault("POST", "/orders", delay_s=1.0)

    def refuse_next_submit(self) -> None:
        """The venue refuses the next order (as it would one it cannot fund)."""
        self.fake.fault("POST", "/orders", status=400)

    def fill_resting(self, report: VenueReport, size: Decimal) -> None:
        """Another trader takes ``size`` of our resting order."""
        assert report.venue_order_id is not None
        self.fake.hit_resting(report.venue_order_id, str(size))

    def settle(self, report: VenueReport, *, failed: bool) -> None:
        """Every match of the order is CONFIRMED (or FAILED)."""
        assert report.venue_order_id is not None
        self.fake.settle(report.venue_order_id, "FAILED" if failed else "CONFIRMED")

    def close(self) -> None:
        """Stop the fake server."""
        self.fake.stop()
