"""Momentum: buy a token whose fast moving average pulls above its slow one by more than a
threshold, sell it when the fast average falls back below the slow one.

The series is the token's mid (or its last trade). Once ``slow`` prices are in, each price
gives ``gap = mean(last fast) - mean(last slow)``. An entry is a *crossing*: the previous gap
was at or below ``threshold`` and this one is above it, and the entry guards pass (a price to
buy at inside ``min_price``..``max_price``, the token's cooldown over, far enough from expiry).
The exit comes once the strategy is in and the gap is at or below zero (the trend is gone);
exits are never guarded. Long only, one token; list the other outcome's token to ride falls.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import model_validator

from engine.config import Amount, Count
from engine.strategies.base import MarketEvent, Step
from engine.strategies.tracks import (
    PriceSeriesStrategy,
    SignalParams,
    Track,
    TrackState,
    act,
    feature,
    put_track,
    with_price,
)


class MomentumParams(SignalParams):
    """``fast`` and ``slow`` moving-average lengths (in prices), the entry ``threshold`` (in
    price units: 0.02 is two cents), and the common parameters (size, cooldown, guards)."""

    fast: Count = 5
    slow: Count = 20
    threshold: Amount = Decimal("0.02")

    @model_validator(mode="after")
    def _lengths(self) -> MomentumParams:
        if not 1 <= self.fast < self.slow:
            raise ValueError("fast must be at least 1 and less than slow")
        return self


def _mean(prices: tuple[Decimal, ...]) -> Decimal:
    return sum(prices, Decimal(0)) / len(prices)


class Momentum(PriceSeriesStrategy[MomentumParams]):
    """The moving-average crossover momentum strategy (``strategy = "momentum"``)."""

    name = "momentum"
    params_model = MomentumParams

    def on_price(
        self,
        params: MomentumParams,
        state: TrackState,
        event: MarketEvent,
        track: Track,
        price: Decimal,
    ) -> Step[TrackState]:
        """Decide on the token's next price."""
        token = event.token_id
        track = with_price(track, price, params.slow)
        if len(track.prices) < params.slow:
            return Step(put_track(state, token, track))
        fast, slow = _mean(track.prices[-params.fast :]), _mean(track.prices)
        gap = fast - slow
        previous = track.last_value
        track = track.model_copy(update={"last_value": gap})
        features = {
            "price": feature(price),
            "fast_ma": feature(fast),
            "slow_ma": feature(slow),
            "gap": feature(gap),
            "previous_gap": feature(previous),
            "fast": str(params.fast),
            "slow": str(params.slow),
            "threshold": feature(params.threshold),
            "bid": feature(track.bid),
        }
        track, signals = act(
            params,
            event,
            track,
            exit_now=gap <= 0,
            enter_now=gap > params.threshold and (previous is None or previous <= params.threshold),
            features=features,
            reasons=(
                f"exit: the fast average fell back to the slow one (gap {feature(gap)})",
                f"entry: the fast average {feature(fast)} crossed above the slow "
                f"{feature(slow)} by {feature(gap)} (threshold {feature(params.threshold)})",
            ),
        )
        return Step(put_track(state, token, track), signals)
