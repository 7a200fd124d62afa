"""The Polymarket adapter against a fake CLOB V2 on loopback, driven by py-clob-client-v2.

Every request goes over real HTTP; the fake verifies the L1 signature, the L2 HMAC and the
EIP-712 V2 order signature against the right exchange contract, so a passing order here is
one whose signing and amounts the wire protocol accepts.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from eth_account import Account

from adapters.polymarket.config import PolymarketConfig, config_from_env
from adapters.polymarket.factory import build_polymarket, polymarket_from_env
from adapters.polymarket.market_data import PolymarketMarketData
from adapters.polymarket.ratelimit import Backoff, RateLimiter
from adapters.polymarket.venue import PolymarketVenue
from engine.ports import OrderRequest, VenueReport, VenueRequestDenied, VenueUncertainError
from engine.values import OrderType, Side
from tests.fake_clob import EXCHANGE_V2, NEG_RISK_EXCHANGE_V2, FakeClob

KEY = "0x" + "4c" * 32  # a test key, never funded anywhere
ACCOUNT = Account.from_key(KEY)
YES = "71321045679252212594626385532706912750332728571942532289631379312455583992563"
NO = "52114319501245915516055106046884209969926127482827954674443846427813813222426"
NR_YES = "11862165566757345985240476164489718219056735011698825377388402888080786367734"
NR_NO = "99117283957173495948519301574447165373549876213457213842947184215387429193214"

D = Decimal


@dataclass
class Live:
    """A wired adapter on a fake server."""

    clob: FakeClob
    venue: PolymarketVenue
    market_data: PolymarketMarketData
    config: PolymarketConfig
    sleeps: list[float]


def environ(clob: FakeClob, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a live Polymarket run against the fake."""
    return {
        "POLYMARKET_PRIVATE_KEY": KEY,
        "POLYMARKET_CLOB_URL": clob.url,
        "POLYMARKET_GAMMA_URL": clob.gamma_url,
        "POLYMARKET_STATE_DIR": str(tmp_path / "polymarket"),
        "POLYMARKET_TIMEOUT_S": "2",
        "TAPE_HOME": str(tmp_path / "home"),
        **extra,
    }


def wire(clob: FakeClob, tmp_path: Path, **extra: str) -> Live:
    """Build the adapter from the environment, with recorded (not slept) backoff waits."""
    config = config_from_env(environ(clob, tmp_path, **extra))
    assert config is not None
    sleeps: list[float] = []
    limiter = RateLimiter(sleep=sleeps.append)
    venue, market_data = build_polymarket(
        config, limiter=limiter, backoff=Backoff(attempts=2, first_delay=0.01)
    )
    return Live(clob, venue, market_data, config, sleeps)


@pytest.fixture
def clob() -> Iterator[FakeClob]:
    """A fake CLOB with a standard and a neg-risk market, and a funded account."""
    fake = FakeClob().start()
    fake.add_market("Will it rain in Paris?", [(YES, "Yes"), (NO, "No")], tick="0.01")
    fake.add_market(
        "Who wins the election?", [(NR_YES, "Yes"), (NR_NO, "No")], tick="0.01", neg_risk=True
    )
    fake.fund(ACCOUNT.address, "1000")
    yield fake
    fake.stop()


@pytest.fixture
def live(clob: FakeClob, tmp_path: Path) -> Live:
    """The adapter wired to the fake."""
    return wire(clob, tmp_path)


def order(
    cid: str,
    side: Side,
    order_type: OrderType,
    price: str,
    size: str,
    *,
    token: str = YES,
) -> OrderRequest:
    """An order request as the engine sends it."""
    return OrderRequest(
        client_order_id=cid,
        venue="polymarket",
        market_id="",
        token_id=token,
        side=side,
        order_type=order_type,
        price=D(price),
        size=D(size),
    )


def fills(report: VenueReport) -> list[tuple[Decimal, Decimal, bool]]:
    """(price, size, provisional) of a report's fills."""
    return [(f.price, f.size, f.provisional) for f in report.fills]


# -- orders ----------------------------------------------------------------------------------


def test_gtc_limit_order_rests_fills_provisionally_confirms_and_cancels(live: Live) -> None:
    live.clob.set_book(YES, bids=[("0.45", "100")], asks=[("0.55", "100")])
    report = live.venue.submit(order("tape-1", Side.BUY, OrderType.GTC, "0.50", "10"))
    assert report.accepted
    assert not report.closed
    assert report.fills == ()
    assert report.venue_order_id is not None
    assert len(report.venue_order_id) == 66
    assert live.clob.orders[report.venue_order_id].status == "LIVE"
    signed = live.clob.posted_orders[-1]
    assert (signed["makerAmount"], signed["takerAmount"]) == ("5000000", "10000000")
    assert signed["maker"] == signed["signer"] == ACCOUNT.address
    assert live.clob.auth_failures == []
    book = live.market_data.book("polymarket", YES)
    assert book is not None
    assert book.bids[0].price == D("0.50")

    trade_id = live.clob.hit_resting(report.venue_order_id, "4")
    [partial] = live.venue.poll_reports()
    assert fills(partial) == [(D("0.5"), D("4"), True)]
    assert not partial.closed
    assert live.venue.poll_reports() == []  # nothing changed

    live.clob.set_trade_status(trade_id, "CONFIRMED")
    [confirmed] = live.venue.poll_reports()
    assert confirmed.fills[0].venue_fill_id == partial.fills[0].venue_fill_id
    assert fills(confirmed) == [(D("0.5"), D("4"), False)]

    canceled = live.venue.cancel("tape-1")
    assert canceled is not None
    assert canceled.closed
    assert canceled.close_reason == "canceled"
    assert fills(canceled) == [(D("0.5"), D("4"), False)]
    assert live.clob.orders[report.venue_order_id].status == "CANCELED"


def test_fok_buy_walks_the_book_best_price_first(live: Live) -> None:
    live.clob.set_book(YES, asks=[("0.52", "10"), ("0.50", "10"), ("0.51", "10")])
    report = live.venue.submit(order("tape-2", Side.BUY, OrderType.FOK, "0.52", "25"))
    assert report.accepted
    assert report.closed
    assert report.close_reason == "filled"
    assert fills(report) == [
        (D("0.50"), D("10"), True),
        (D("0.51"), D("10"), True),
        (D("0.52"), D("5"), True),
    ]
    signed = live.clob.posted_orders[-1]
    assert (signed["makerAmount"], signed["takerAmount"]) == ("13000000", "25000000")
    assert live.clob.balances[ACCOUNT.address.lower()] == D("1000") - D("12.7")


def test_fak_sell_walks_the_bids_and_cancels_the_rest(live: Live) -> None:
    live.clob.give_shares(ACCOUNT.address, YES, "30")
    live.clob.set_book(YES, bids=[("0.47", "5"), ("0.48", "10"), ("0.40", "50")])
    report = live.venue.submit(order("tape-3", Side.SELL, OrderType.FAK, "0.47", "20"))
    assert report.accepted
    assert report.closed
    assert fills(report) == [(D("0.48"), D("10"), True), (D("0.47"), D("5"), True)]
    assert report.close_reason == "FAK remainder canceled (5 unfilled)"
    assert live.clob.positions[(ACCOUNT.address.lower(), YES)] == D("15")


def test_fak_buy_partial_fill(live: Live) -> None:
    live.clob.set_book(YES, asks=[("0.60", "4"), ("0.70", "100")])
    report = live.venue.submit(order("tape-4", Side.BUY, OrderType.FAK, "0.60", "10"))
    assert report.accepted
    assert report.closed
    assert fills(report) == [(D("0.60"), D("4"), True)]
    assert "remainder canceled" in report.close_reason


def test_marketable_buy_amounts_are_exact_where_the_float_client_loses_a_cent(
    live: Live,
) -> None:
    live.clob.set_book(YES, asks=[("0.58", "100")])
    report = live.venue.submit(order("tape-5", Side.BUY, OrderType.FOK, "0.58", "3.5"))
    assert report.accepted, report.reject_message
    signed = live.clob.posted_orders[-1]
    # $2.03 for 3.5 shares: the float builder signs 2020000 (round_down(2.03, 2) == 2.02)
    assert (signed["makerAmount"], signed["takerAmount"]) == ("2030000", "3500000")


def test_marketable_buy_on_a_thousandth_tick_keeps_the_share_side_at_four_decimals(
    clob: FakeClob, tmp_path: Path
) -> None:
    token = "4" * 70
    clob.add_market("BTC up?", [(token, "Up"), ("5" * 70, "Down")], tick="0.001")
    clob.set_book(token, asks=[("0.985", "100")])
    live = wire(clob, tmp_path)
    report = live.venue.submit(
        order("tape-6", Side.BUY, OrderType.FAK, "0.985", "10.13", token=token)
    )
    assert report.accepted, report.reject_message  # py-clob-client-v2 #99 signs 5 decimals
    signed = clob.posted_orders[-1]
    assert (signed["makerAmount"], signed["takerAmount"]) == ("9970000", "10121800")
    assert sum(f.size for f in report.fills) == D("10.1218")


def test_below_the_minimum_size_is_a_rejection_with_its_code(live: Live) -> None:
    live.clob.set_book(YES, asks=[("0.50", "100")])
    limit = live.venue.submit(order("tape-7", Side.BUY, OrderType.GTC, "0.40", "3"))
    assert not limit.accepted
    assert limit.reject_code == "ORDER_SIZE_BELOW_MIN"
    assert "lower than the minimum: 5" in limit.reject_message
    market = live.venue.submit(order("tape-8", Side.BUY, OrderType.FOK, "0.50", "1.5"))
    assert not market.accepted
    assert market.reject_code == "ORDER_SIZE_BELOW_MIN"
    assert "min size: $1" in market.reject_message


def test_off_grid_orders_are_refused_before_sending(live: Live) -> None:
    live.clob.set_book(YES, asks=[("0.50", "100")])
    codes = []
    for client_id, price, size in (
        ("tape-9", "0.50", "7.777"),
        ("tape-10", "0.555", "10"),
        ("tape-11", "1", "10"),
    ):
        with pytest.raises(VenueRequestDenied) as denied:  # our no, not the venue's
            live.venue.submit(order(client_id, Side.BUY, OrderType.GTC, price, size))
        codes.append(denied.value.code)
    assert codes == ["INVALID_SIZE", "INVALID_PRICE", "INVALID_PRICE"]
    assert live.clob.count("POST", "/order") == 0


def test_a_tick_change_the_venue_refuses_is_a_precision_rejection_then_relearned(
    clob: FakeClob, live: Live
) -> None:
    market = clob.markets[clob.token_market[YES]]
    market.tick = D("0.001")
    clob.set_book(YES, asks=[("0.556", "100")])
    assert live.market_data.book("polymarket", YES).tick_size == D("0.001")  # type: ignore[union-attr]
    market.tick = D("0.01")  # tick_size_change: the CLOB moved to 0.01
    report = live.venue.submit(order("tape-12", Side.BUY, OrderType.GTC, "0.555", "10"))
    assert not report.accepted
    assert report.reject_code == "INVALID_PRICE"
    assert "breaks minimum tick size rule: 0.01" in report.reject_message
    with pytest.raises(VenueRequestDenied) as again:  # the tick relearned: refused before sending
        live.venue.submit(order("tape-13", Side.BUY, OrderType.GTC, "0.555", "10"))
    assert again.value.code == "INVALID_PRICE"
    assert "not on the tick 0.01" in again.value.detail
    assert clob.count("POST", "/order") == 1  # the second one was refused locally


def test_a_refused_order_asked_again_is_the_same_refusal_and_is_not_resent(
    clob: FakeClob, live: Live, tmp_path: Path
) -> None:
    clob.set_book(YES, asks=[("0.50", "5")])
    request = order("tape-33", Side.BUY, OrderType.FOK, "0.50", "10")
    first = live.venue.submit(request)
    assert first.reject_code == "FOK_NOT_FILLED"
    assert live.venue.order_status("tape-33") == first
    assert live.venue.submit(request) == first
    restarted = wire(clob, tmp_path)  # the journal knows it was refused, not why
    again = restarted.venue.submit(request)
    assert not again.accepted
    assert again.reject_code == "REJECTED_BEFORE"
    assert clob.count("POST", "/order") == 1


def test_not_enough_balance_or_allowance(clob: FakeClob, live: Live) -> None:
    clob.set_book(YES, bids=[("0.40", "100")], asks=[("0.50", "100")])
    clob.fund(ACCOUNT.address, "1000", allowance="0")
    buy = live.venue.submit(order("tape-14", Side.BUY, OrderType.FOK, "0.50", "10"))
    assert not buy.accepted
    assert buy.reject_code == "INSUFFICIENT_BALANCE_OR_ALLOWANCE"
    assert buy.reject_message == "not enough balance / allowance"
    sell = live.venue.submit(order("tape-15", Side.SELL, OrderType.FAK, "0.40", "10"))
    assert sell.reject_code == "INSUFFICIENT_BALANCE_OR_ALLOWANCE"


def test_fok_not_filled_and_fak_with_nothing_to_match(live: Live) -> None:
    live.clob.set_book(YES, asks=[("0.50", "5"), ("0.60", "100")])
    fok = live.venue.submit(order("tape-16", Side.BUY, OrderType.FOK, "0.50", "10"))
    assert not fok.accepted
    assert fok.reject_code == "FOK_NOT_FILLED"
    assert "FOK orders are fully filled or killed" in fok.reject_message
    fak = live.venue.submit(order("tape-17", Side.BUY, OrderType.FAK, "0.40", "10"))
    assert not fak.accepted
    assert fak.reject_code == "FAK_NOT_FILLED"
    assert live.clob.balances[ACCOUNT.address.lower()] == D("1000")


def test_a_neg_risk_market_is_signed_for_the_neg_risk_exchange(clob: FakeClob, live: Live) -> None:
    clob.set_book(NR_YES, asks=[("0.30", "50")])
    book = live.market_data.book("polymarket", NR_YES)
    assert book is not None
    assert book.neg_risk
    report = live.venue.submit(
        order("tape-18", Side.BUY, OrderType.FOK, "0.30", "10", token=NR_YES)
    )
    assert report.accepted
    assert fills(report) == [(D("0.30"), D("10"), True)]
    assert live.venue.journal.get("tape-18").neg_risk  # type: ignore[union-attr]
    # signed for the standard exchange (Gamma says not neg-risk), the venue recovers another
    # signer with the neg-risk exchange's domain and refuses it
    clob.markets[clob.token_market[NR_YES]].gamma_neg_risk = False
    other = wire(clob, live.config.state_dir.parent / "other")  # type: ignore[union-attr]
    wrong = other.venue.submit(
        order("tape-19", Side.BUY, OrderType.FOK, "0.30", "10", token=NR_YES)
    )
    assert not wrong.accepted
    assert wrong.reject_code == "INVALID_SIGNATURE"


def test_neg_risk_needs_its_own_allowance(clob: FakeClob, live: Live) -> None:
    clob.allowances[(ACCOUNT.address.lower(), NEG_RISK_EXCHANGE_V2.lower())] = D(0)
    assert clob.allowances[(ACCOUNT.address.lower(), EXCHANGE_V2.lower())] == D(1000)
    clob.set_book(NR_YES, asks=[("0.30", "50")])
    clob.set_book(YES, asks=[("0.30", "50")])
    standard = live.venue.submit(order("tape-20", Side.BUY, OrderType.FOK, "0.30", "10"))
    neg = live.venue.submit(order("tape-21", Side.BUY, OrderType.FOK, "0.30", "10", token=NR_YES))
    assert standard.accepted
    assert neg.reject_code == "INSUFFICIENT_BALANCE_OR_ALLOWANCE"


def test_timeout_after_the_venue_accepted_is_uncertain_then_found_not_resent(
    clob: FakeClob, tmp_path: Path
) -> None:
    live = wire(clob, tmp_path, POLYMARKET_TIMEOUT_S="0.4")
    clob.set_book(YES, asks=[("0.50", "100")])
    clob.delay("POST", "/order", 1.0)
    request = order("tape-22", Side.BUY, OrderType.FOK, "0.50", "10")
    with pytest.raises(VenueUncertainError, match="reconcile with order_status"):
        live.venue.submit(request)
    assert clob.count("POST", "/order") == 1
    assert len(clob.orders) == 1
    found = live.venue.order_status("tape-22")
    assert found is not None
    assert found.accepted
    assert found.closed
    assert found.venue_order_id == next(iter(clob.orders))
    assert fills(found) == [(D("0.50"), D("10"), True)]
    again = live.venue.submit(request)  # the engine retries: answered from the venue
    assert again.accepted
    assert fills(again) == fills(found)
    restarted = wire(clob, tmp_path)  # a new process reads the journal
    assert restarted.venue.order_status("tape-22") == found
    assert restarted.venue.submit(request).accepted
    assert clob.count("POST", "/order") == 1


def test_a_5xx_is_uncertain_and_an_order_the_venue_never_got_is_resent_identically(
    clob: FakeClob, live: Live
) -> None:
    clob.set_book(YES, asks=[("0.50", "100")])
    clob.fail("POST", "/order", 502, {"error": "Bad Gateway"})
    request = order("tape-23", Side.BUY, OrderType.GTC, "0.49", "10")
    with pytest.raises(VenueUncertainError, match="HTTP 502"):
        live.venue.submit(request)
    assert live.venue.order_status("tape-23") is None  # not at the venue
    first_hash = live.venue.journal.get("tape-23").order_hash  # type: ignore[union-attr]
    report = live.venue.submit(request)
    assert report.accepted
    assert report.venue_order_id == first_hash
    assert clob.count("POST", "/order") == 2
    assert len(clob.orders) == 1
    duplicate = live.venue.submit(request)  # known: the venue's word, no third POST
    assert duplicate.accepted
    assert clob.count("POST", "/order") == 2


def test_a_duplicate_answer_is_resolved_by_order_status(clob: FakeClob, tmp_path: Path) -> None:
    live = wire(clob, tmp_path, POLYMARKET_TIMEOUT_S="0.4")
    clob.set_book(YES, asks=[("0.50", "100")])
    request = order("tape-24", Side.BUY, OrderType.GTC, "0.45", "10")
    clob.delay("POST", "/order", 1.0)
    with pytest.raises(VenueUncertainError):
        live.venue.submit(request)
    clob.fail("GET", f"/data/order/{next(iter(clob.orders))}", 500, {"error": "busy"})
    with pytest.raises(VenueUncertainError):
        live.venue.order_status("tape-24")
    report = live.venue.submit(request)
    assert report.accepted
    assert not report.closed


def test_provisional_fill_then_failed_trade_is_voided(clob: FakeClob, live: Live) -> None:
    clob.set_book(YES, asks=[("0.50", "6"), ("0.51", "10")])
    report = live.venue.submit(order("tape-25", Side.BUY, OrderType.FOK, "0.51", "10"))
    assert [f.provisional for f in report.fills] == [True, True]
    first, second = (f.venue_fill_id for f in report.fills)
    clob.set_trade_status(first, "MINED")
    clob.set_trade_status(second, "FAILED")
    [update] = live.venue.poll_reports()
    assert update.voided_fills == (second,)
    assert [(f.venue_fill_id, f.provisional) for f in update.fills] == [(first, True)]
    assert clob.positions[(ACCOUNT.address.lower(), YES)] == D("6")  # the venue undid it
    clob.set_trade_status(first, "CONFIRMED")
    [settled] = live.venue.poll_reports()
    assert [(f.venue_fill_id, f.provisional) for f in settled.fills] == [(first, False)]
    assert settled.voided_fills == (second,)
    assert live.venue.poll_reports() == []
    assert "tape-25" in live.venue.journal.final  # settled: no longer followed


def test_a_closed_market_gives_a_closed_book_and_no_order(clob: FakeClob, live: Live) -> None:
    market = clob.markets[clob.token_market[YES]]
    market.closed, market.accepting_orders = True, False
    book = live.market_data.book("polymarket", YES)
    assert book is not None
    assert not book.accepting_orders
    assert book.closed_reason.startswith("market closed")
    with pytest.raises(VenueRequestDenied) as denied:
        live.venue.submit(order("tape-26", Side.BUY, OrderType.FOK, "0.50", "10"))
    assert denied.value.code == "MARKET_CLOSED"
    assert clob.count("POST", "/order") == 0
    other = clob.markets[clob.token_market[NR_YES]]
    other.accepting_orders = False
    paused = live.market_data.book("polymarket", NR_YES)
    assert paused is not None
    assert paused.closed_reason == "market not accepting orders"


def test_429_backs_off_then_succeeds_or_becomes_uncertain(clob: FakeClob, live: Live) -> None:
    clob.set_book(YES, asks=[("0.50", "100")])
    clob.fail("POST", "/order", 429, {"error": "Too Many Requests"})
    report = live.venue.submit(order("tape-27", Side.BUY, OrderType.FOK, "0.50", "10"))
    assert report.accepted
    assert live.sleeps == [0.01]
    clob.fail("POST", "/order", 429, {"error": "Too Many Requests"}, times=10)
    with pytest.raises(VenueUncertainError, match="429"):
        live.venue.submit(order("tape-28", Side.BUY, OrderType.FOK, "0.50", "10"))
    assert clob.count("POST", "/order") == 2 + 3  # bounded: one try and two retries
    assert live.sleeps == [0.01, 0.01, 0.02]


def test_gamma_429_backs_off_and_a_gamma_outage_means_no_book(clob: FakeClob, live: Live) -> None:
    clob.set_book(YES, asks=[("0.50", "100")])
    clob.fail("GET", "/gamma/markets", 429, {"error": "slow down"})
    assert live.market_data.book("polymarket", YES) is not None
    clob.fail("GET", "/gamma/markets", 503, {"error": "down"})
    assert live.market_data.book("polymarket", NR_YES) is None


# -- auth and wallets ------------------------------------------------------------------------


def test_l1_creates_the_api_key_once_then_derives_it(clob: FakeClob, tmp_path: Path) -> None:
    clob.set_book(YES, asks=[("0.50", "100")])
    first = wire(clob, tmp_path / "a")
    assert first.venue.submit(order("tape-29", Side.BUY, OrderType.FOK, "0.5", "10")).accepted
    second = wire(clob, tmp_path / "b")  # another process: create is refused, derive works
    assert second.venue.submit(order("tape-30", Side.BUY, OrderType.FOK, "0.5", "10")).accepted
    assert clob.count("POST", "/auth/api-key") == 2
    assert clob.count("GET", "/auth/derive-api-key") == 1
    assert clob.auth_failures == []


def test_wrong_l2_credentials_are_refused(clob: FakeClob, tmp_path: Path) -> None:
    clob.set_book(YES, asks=[("0.50", "100")])
    good = wire(clob, tmp_path / "a")
    good.venue.exchange.ensure_credentials()
    api_key = clob.key_of[ACCOUNT.address.lower()]
    bad = wire(
        clob,
        tmp_path / "b",
        POLYMARKET_API_KEY=api_key,
        POLYMARKET_API_SECRET=base64.urlsafe_b64encode(bytes(32)).decode(),
        POLYMARKET_API_PASSPHRASE=clob.creds[api_key][2],
    )
    report = bad.venue.submit(order("tape-31", Side.BUY, OrderType.FOK, "0.5", "10"))
    assert not report.accepted
    assert report.reject_code == "UNAUTHORIZED"
    assert clob.auth_failures == ["L2: hmac"]


@pytest.mark.parametrize("signature_type", ["1", "POLY_GNOSIS_SAFE"])
def test_proxy_and_safe_wallets_sign_as_the_eoa_for_the_funder(
    clob: FakeClob, tmp_path: Path, signature_type: str
) -> None:
    funder = "0x" + "f1" * 20
    clob.funders[ACCOUNT.address.lower()] = funder
    clob.fund(funder, "500")
    clob.set_book(YES, asks=[("0.50", "100")])
    live = wire(
        clob,
        tmp_path,
        POLYMARKET_FUNDER=funder,
        POLYMARKET_SIGNATURE_TYPE=signature_type,
    )
    report = live.venue.submit(order("tape-32", Side.BUY, OrderType.FOK, "0.5", "10"))
    assert report.accepted, report.reject_message
    signed = clob.posted_orders[-1]
    assert signed["maker"].lower() == funder
    assert signed["signer"] == ACCOUNT.address
    assert signed["signatureType"] in (1, 2)
    assert clob.balances[funder] == D("495")


def test_without_a_key_there_is_no_live_venue(tmp_path: Path) -> None:
    assert polymarket_from_env({"TAPE_HOME": str(tmp_path)}) is None


def test_the_factory_builds_from_the_environment(clob: FakeClob, tmp_path: Path) -> None:
    built = polymarket_from_env(environ(clob, tmp_path))
    assert built is not None
    venue, market_data = built
    clob.set_book(YES, asks=[("0.50", "100")])
    assert market_data.book("polymarket", YES) is not None
    assert venue.name == "polymarket"
    assert clob.count("POST", "/auth/api-key") == 0


def test_a_keystore_file_is_decrypted_with_its_password(clob: FakeClob, tmp_path: Path) -> None:
    keystore = tmp_path / "key.json"
    keystore.write_text(json.dumps(Account.encrypt(KEY, "pw", kdf="pbkdf2", iterations=2)))
    env = environ(clob, tmp_path)
    del env["POLYMARKET_PRIVATE_KEY"]
    env |= {"POLYMARKET_KEYSTORE": str(keystore), "POLYMARKET_KEYSTORE_PASSWORD": "pw"}
    config = config_from_env(env)
    assert config is not None
    assert config.signer_address == ACCOUNT.address
    assert config.key.name == "POLYMARKET_KEYSTORE"


# -- secrets ---------------------------------------------------------------------------------


def test_no_key_hmac_secret_or_passphrase_in_logs_exceptions_reports_or_journal(
    clob: FakeClob, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    live = wire(clob, tmp_path, POLYMARKET_TIMEOUT_S="0.4")
    clob.set_book(YES, bids=[("0.40", "10")], asks=[("0.50", "10")])
    requests: list[OrderRequest] = [
        order("s-1", Side.BUY, OrderType.FOK, "0.50", "5"),
        order("s-2", Side.BUY, OrderType.GTC, "0.41", "2"),
        order("s-3", Side.BUY, OrderType.FOK, "0.50", "50"),
        order("s-4", Side.SELL, OrderType.FAK, "0.40", "50"),
    ]
    for request in requests:
        texts.append(repr(live.venue.submit(request)))
    with pytest.raises(VenueRequestDenied) as denied:
        live.venue.submit(order("s-5", Side.BUY, OrderType.GTC, "0.333", "10"))
    texts.append(repr(denied.value) + str(denied.value))
    clob.fail("POST", "/order", 500, {"error": "boom"})
    clob.delay("POST", "/order", 1.0)
    for cid in ("s-6", "s-7"):
        with pytest.raises(VenueUncertainError) as caught:
            live.venue.submit(order(cid, Side.BUY, OrderType.GTC, "0.30", "10"))
        texts.append(str(caught.value))
        texts.append(repr(caught.value.__cause__) + repr(caught.value.__context__))
    texts += [repr(r) for r in live.venue.poll_reports()]
    texts.append(repr(live.config))
    texts.append(repr(live.venue.exchange.__dict__))
    texts += [path.read_text() for path in tmp_path.rglob("*.jsonl")]
    texts.append(caplog.text)
    texts += [str(record.args) for record in caplog.records]
    everything = "\n".join(texts)
    api_key = clob.key_of[ACCOUNT.address.lower()]
    _, secret, passphrase = clob.creds[api_key]
    for value in (KEY, KEY.removeprefix("0x"), secret, passphrase):
        assert value not in everything
    assert "s-6" in everything
    assert "HTTP 500" in everything
