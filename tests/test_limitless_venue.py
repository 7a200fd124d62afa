"""The real Limitless adapter on the fake Limitless API: what the contract suite does not
cover (closed markets, 409, 429, the limiter, NO tokens, keys and secrets, live books)."""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.config_file import ConfigError
from adapters.limitless.config import config_from_env
from adapters.limitless.factory import build_limitless
from adapters.limitless.ratelimit import TokenLimiter
from adapters.limitless.spec import SPEC
from adapters.limitless.venue import LimitlessVenue
from engine.ports import OrderRequest, VenueRequestDenied, VenueUncertainError
from engine.values import OrderType, Side
from tests.fake_limitless import FakeLimitless
from tests.fake_limitless.state import Market
from tests.venue_contract.limitless_harness import (
    EXCHANGE,
    LIMITLESS_KEY,
    NO,
    SLUG,
    YES,
    fake_environ,
    quick_limiter,
)

D = Decimal
OTHER_EXCHANGE = "0xa4409D988CA2218d956BeEFD3874100F444f0DC3"


@pytest.fixture
def fake() -> Iterator[FakeLimitless]:
    """The fake with one market (tick 0.001) and a book."""
    api = FakeLimitless().start()
    api.add_market(Market(SLUG, EXCHANGE, YES, NO))
    api.set_book(SLUG, bids=[("0.450", "100")], asks=[("0.505", "100"), ("0.550", "100")])
    yield api
    api.stop()


def venue_on(fake: FakeLimitless, folder: Path, **overrides: str) -> LimitlessVenue:
    """The live adapter from its environment, pointed at the fake."""
    environ = fake_environ(fake, folder) | overrides
    config = config_from_env(environ)
    assert config is not None
    venue, _ = build_limitless(config, limiter=quick_limiter())
    return venue


def order(cid: str, price: str, size: str, *, token: str = YES, side: Side = Side.BUY,
          order_type: OrderType = OrderType.FAK, market: str = SLUG) -> OrderRequest:  # fmt: skip
    """An order as the engine sends it."""
    return OrderRequest(cid, "limitless", market, token, side, order_type, D(price), D(size))


def test_a_closed_market_is_denied_before_any_order(fake: FakeLimitless, tmp_path: Path) -> None:
    fake.markets[SLUG].status = "RESOLVED"
    venue = venue_on(fake, tmp_path)
    with pytest.raises(VenueRequestDenied) as denied:
        venue.submit(order("c-1", "0.505", "10"))
    assert denied.value.code == "MARKET_CLOSED"
    assert fake.calls[("POST", "/orders")] == 0
    book = venue.market_data.book("limitless", YES)
    assert book is not None
    assert not book.accepting_orders
    assert "RESOLVED" in book.closed_reason


def test_a_duplicate_client_order_id_is_a_409_answered_by_the_original_never_resent(
    fake: FakeLimitless, tmp_path: Path
) -> None:
    first = venue_on(fake, tmp_path / "a").submit(order("c-dup", "0.505", "10"))
    assert first.accepted
    # another process whose journal lost the order sends the same client order id
    again = venue_on(fake, tmp_path / "b").submit(order("c-dup", "0.505", "10"))
    assert again.accepted
    assert [f.venue_fill_id for f in again.fills] == [f.venue_fill_id for f in first.fills]
    assert fake.calls[("POST", "/orders")] == 2  # the first and the one answered 409
    assert len(fake.received) == 1


def test_a_429_waits_its_retry_after_then_sends(fake: FakeLimitless, tmp_path: Path) -> None:
    venue = venue_on(fake, tmp_path)
    waited: list[float] = []
    venue.client.sleep = waited.append
    fake.fault("POST", "/orders", status=429, headers={"Retry-After": "2"})
    report = venue.submit(order("c-429", "0.505", "10"))
    assert report.accepted
    assert waited == [2.0]
    assert len(fake.received) == 1


def test_the_limiter_spaces_calls_300_ms_apart_and_lets_two_in_flight() -> None:
    now = [0.0]
    limiter = TokenLimiter(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    for _ in range(5):
        with limiter.call():
            now[0] += 0.01
    gaps = [b - a for a, b in zip(limiter.starts, limiter.starts[1:], strict=False)]
    assert all(gap >= 0.3 - 1e-9 for gap in gaps)
    threaded, inside, most = TokenLimiter(spacing_s=0.0), [0], [0]
    lock = threading.Lock()

    def work() -> None:
        with threaded.call():
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 2


def test_every_call_of_an_order_goes_through_the_tokens_limiter(
    fake: FakeLimitless, tmp_path: Path
) -> None:
    now = [0.0]
    limiter = TokenLimiter(clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    config = config_from_env(fake_environ(fake, tmp_path))
    assert config is not None
    venue, _ = build_limitless(config, limiter=limiter)
    assert venue.submit(order("c-lim", "0.505", "10")).accepted
    calls = sum(fake.calls.values())  # market, profile, order
    assert len(limiter.starts) == calls >= 3
    assert limiter.starts == pytest.approx([0.3 * i for i in range(calls)])


def test_a_no_order_trades_on_the_mirror_of_the_yes_book(
    fake: FakeLimitless, tmp_path: Path
) -> None:
    venue = venue_on(fake, tmp_path)
    book = venue.market_data.book("limitless", NO)
    assert book is not None
    assert (book.asks[0].price, book.bids[0].price) == (D("0.550"), D("0.495"))
    report = venue.submit(order("c-no", "0.550", "40", token=NO))
    assert [(f.price, f.size) for f in report.fills] == [(D("0.550"), D(40))]
    assert fake.holdings[(venue.address, NO)] == D(40)


def test_an_order_off_the_tick_or_a_fok_never_reaches_the_venue(
    fake: FakeLimitless, tmp_path: Path
) -> None:
    venue = venue_on(fake, tmp_path)
    for request, code in (
        (order("c-t", "0.5055", "10"), "INVALID_PRICE"),
        (order("c-s", "0.505", "1.0001"), "INVALID_SIZE"),
        (order("c-f", "0.505", "10", order_type=OrderType.FOK), "ORDER_TYPE_UNSUPPORTED"),
    ):
        with pytest.raises(VenueRequestDenied) as denied:
            venue.submit(request)
        assert denied.value.code == code
    assert fake.calls[("POST", "/orders")] == 0


def test_a_market_on_another_exchange_is_signed_for_that_exchange(
    fake: FakeLimitless, tmp_path: Path
) -> None:
    fake.add_market(Market("other", OTHER_EXCHANGE, "11", "12"))
    fake.set_book("other", bids=[], asks=[("0.300", "50")])
    venue = venue_on(fake, tmp_path)
    other = order("c-o", "0.300", "50", token="11", market="other")  # noqa: S106
    assert venue.submit(other).accepted
    assert venue.submit(order("c-y", "0.505", "10")).accepted
    assert len(fake.received) == 2  # each verified with its own market's exchange


def test_a_wrong_secret_is_refused_and_no_order_is_sent(
    fake: FakeLimitless, tmp_path: Path
) -> None:
    wrong = base64.b64encode(b"a-wrong-secret").decode()
    venue = venue_on(fake, tmp_path, LIMITLESS_API_SECRET=wrong)
    with pytest.raises(VenueRequestDenied) as denied:
        venue.submit(order("c-401", "0.505", "10"))
    assert "401" in denied.value.detail
    assert fake.auth_failures
    assert fake.received == []


def test_secrets_reach_no_log_report_error_or_journal(
    fake: FakeLimitless, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    environ = fake_environ(fake, tmp_path)
    venue = venue_on(fake, tmp_path)
    texts = [repr(venue.submit(order("c-a", "0.505", "10")))]
    fake.fault("POST", "/orders", status=500)
    with pytest.raises(VenueUncertainError) as raised:
        venue.submit(order("c-b", "0.505", "10"))
    texts += [str(raised.value), repr(venue.order_status("c-a")), caplog.text, repr(venue.__dict__)]
    texts += [p.read_text() for p in (tmp_path / "limitless").iterdir()]
    for secret in (environ["LIMITLESS_PRIVATE_KEY"], environ["LIMITLESS_API_SECRET"]):
        for text in texts:
            assert secret not in text
            assert secret.removeprefix("0x") not in text


def test_bad_configuration_names_the_variable_and_never_the_value(tmp_path: Path) -> None:
    base = {"LIMITLESS_PRIVATE_KEY": LIMITLESS_KEY, "LIMITLESS_API_KEY": "t",
            "LIMITLESS_API_SECRET": base64.b64encode(b"s").decode()}  # fmt: skip
    assert config_from_env({}) is None
    for name, value in (
        ("LIMITLESS_PRIVATE_KEY", "not-a-key"),
        ("LIMITLESS_API_SECRET", "***not base64***"),
        ("LIMITLESS_API_KEY", ""),
        ("LIMITLESS_TIMEOUT_S", "soon"),
    ):
        with pytest.raises(ConfigError) as raised:
            config_from_env(base | {name: value})
        assert name in str(raised.value)
        assert value not in str(raised.value) or not value


def test_without_keys_the_live_public_book_is_read(fake: FakeLimitless) -> None:
    assert SPEC.build is not None
    assert SPEC.build({"LIMITLESS_API_URL": fake.url}) is None
    assert SPEC.public_books is not None
    books = SPEC.public_books({"LIMITLESS_API_URL": fake.url})
    assert books is not None
    book = books.book("limitless", YES)
    assert book is not None
    assert (book.market_id, book.best_bid(), book.best_ask()) == (SLUG, D("0.450"), D("0.505"))
    assert book.tick_size == D("0.001")
    assert books.book("limitless", "999") is None
    assert fake.auth_failures == []
