"""The edge of a pair after both venues' fees and the books' depth: the fee models are the
paper venue's, the edge is exactly what the paper venue would charge for the two legs, and a
pair is worth taking only when that edge exceeds ``min_profit_usdc``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from adapters.kalshi.fees import KALSHI_FEE
from adapters.paper.venue import PaperVenues
from adapters.venues.spec import PROPORTIONAL
from engine.arbitrage.edge import price_pair, worth_taking
from engine.arbitrage.fees import KalshiTakerFee, PolymarketFee
from engine.arbitrage.params import ArbParams
from engine.ports import OrderRequest
from engine.values import OrderType, Side
from tests.arb_rig import POLY_NO, POLY_YES, TICKER, a_pair, arb_params, book_of

D = Decimal
prices = st.integers(1, 99).map(lambda c: D(c) / 100)
sizes = st.integers(1, 500).map(D)
rates = st.sampled_from([D(0), D("0.001"), D("0.02"), D("0.05")])


@given(prices, sizes)
def test_kalshi_fee_is_the_paper_venues_ceil_to_the_cent(price: Decimal, size: Decimal) -> None:
    assert KalshiTakerFee().fee(price, size) == KALSHI_FEE.fee(price, size, D("0.3"))
    assert KalshiTakerFee().fee(price, size) <= KalshiTakerFee().worst(size, D("0.01"))


@given(prices, sizes, rates)
def test_polymarket_fee_is_the_repos_proportional_model(
    price: Decimal, size: Decimal, rate: Decimal
) -> None:
    assert PolymarketFee(rate).fee(price, size) == PROPORTIONAL.fee(price, size, rate)
    assert PolymarketFee(rate).fee(price, size) <= PolymarketFee(rate).worst(size, D("0.01"))


def test_kalshi_fee_of_one_contract_at_half_is_two_cents() -> None:
    assert KalshiTakerFee().fee(D("0.5"), D(1)) == D("0.02")  # 1.75 cents, rounded up


levels = st.lists(st.tuples(prices, st.integers(1, 60).map(D)), min_size=1, max_size=4).map(
    lambda lv: sorted(dict(lv).items())
)


def _books(poly_yes, poly_no, k_yes, k_no):  # type: ignore[no-untyped-def]
    return {
        ("polymarket", POLY_YES): book_of("polymarket", POLY_YES, poly_yes),
        ("polymarket", POLY_NO): book_of("polymarket", POLY_NO, poly_no),
        ("kalshi", f"{TICKER}:yes"): book_of("kalshi", f"{TICKER}:yes", k_yes),
        ("kalshi", f"{TICKER}:no"): book_of("kalshi", f"{TICKER}:no", k_no),
    }


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(levels, levels, levels, levels), rates, st.integers(0, 300).map(lambda c: D(c) / 100)
)
def test_the_edge_is_what_the_paper_venue_charges_for_both_legs(
    asks: tuple, rate: Decimal, min_profit: Decimal
) -> None:
    params = arb_params(polymarket_fee_rate=str(rate), min_profit_usdc=str(min_profit))
    books = _books(*asks)
    for opportunity in price_pair(params.pairs[0], books, params):
        paper = PaperVenues(fee_rate=rate)
        for book in books.values():
            paper.on_book(book)
        paid = D(0)
        for n, leg in enumerate(opportunity.legs):
            report = paper[leg.venue].submit(
                OrderRequest(
                    f"tape-{n}",
                    leg.venue,
                    leg.market_id,
                    leg.token_id,
                    Side.BUY,
                    OrderType.FAK,
                    leg.limit_price,
                    leg.size,
                    "arb",
                )
            )
            assert sum(f.size for f in report.fills) == opportunity.size  # equal shares
            paid += sum(f.price * f.size + f.fee for f in report.fills)
        assert opportunity.size - paid == opportunity.edge
        assert worth_taking(opportunity, params) == (opportunity.edge > min_profit)
        assert opportunity.size <= params.size


def test_a_true_arbitrage_is_found_in_the_direction_that_pays() -> None:
    params = arb_params(min_profit_usdc="0.5", size="20")
    books = _books(
        [(D("0.40"), D(30))], [(D("0.62"), D(30))], [(D("0.58"), D(30))], [(D("0.52"), D(30))]
    )
    best = price_pair(params.pairs[0], books, params)[0]
    # Polymarket YES at 0.40 + Kalshi NO at 0.52 = 0.92; Kalshi's fee on 20 at 0.52: 0.35
    assert best.direction == "polymarket_yes"
    assert (best.size, best.fees, best.edge) == (D(20), D("0.35"), D("1.25"))
    assert worth_taking(best, params)


def test_fees_can_erase_an_arbitrage() -> None:
    params = arb_params(min_profit_usdc="0.5", size="20", polymarket_fee_rate="0.02")
    books = _books(
        [(D("0.47"), D(30))], [(D("0.99"), D(30))], [(D("0.99"), D(30))], [(D("0.50"), D(30))]
    )
    best = price_pair(params.pairs[0], books, params)[0]
    assert best.size * (D("0.47") + D("0.50")) < best.size  # 0.60 before fees
    assert best.edge <= params.min_profit_usdc  # 0.35 Kalshi + 0.188 Polymarket erase it
    assert not worth_taking(best, params)


def test_an_inverted_pair_buys_the_same_kalshi_leg_as_polymarkets() -> None:
    pair = ArbParams.model_validate(
        {
            "pairs": [a_pair(inverted=True)],
            "min_profit_usdc": "0",
            "size": "1",
            "max_leg_risk_usdc": "1",
        }
    ).pairs[0]
    assert pair.kalshi_token("yes") == f"{TICKER}:no"
    assert pair.kalshi_token("no") == f"{TICKER}:yes"


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"size": "2.5"}, "whole number"),
        ({"pairs": []}, "at least one pair"),
        ({"pairs": [a_pair(polymarket="abc")]}, "token id"),
        ({"pairs": [a_pair(polymarket_market="KX")]}, "condition id"),
        ({"pairs": [a_pair(), a_pair()]}, "listed twice"),
        ({"min_profit_usdc": "-1"}, "negative"),
        ({"max_leg_risk_usdc": 0.5}, "decimal string"),
        ({"polymarket_fee_rate": "1"}, "below 1"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_bad_parameters_are_refused_with_the_reason(change: dict, word: str) -> None:
    with pytest.raises(ValidationError, match=word):
        arb_params(**change)
