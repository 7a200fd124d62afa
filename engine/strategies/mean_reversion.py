"""Mean reversion: buy a token whose price falls far below its recent mean, sell it when the
price comes back.

The series is the token's mid (or its last trade). Each new price gets a z-score against the
``window`` prices before it: ``z = (price - mean) / std`` (population std). An entry is a
*crossing*: the previous z was above ``-z_entry`` and this one is at or below it (the price
left the band downwards), the price is at least ``min_move`` below the mean, and the entry
guards pass (a price to buy at inside
``min_price``..``max_price``, the token's cooldown over, far enough from expiry). The exit
comes once the strategy is in and z is back at or above ``-z_exit``; exits are never guarded,
so the strategy can always get out. It trades one token long only: to fade a spike up in YES,
list the NO token too (a spike up in YES is a dip in NO).
"""

from __future__ import annotations

from decimal import Context, Decimal

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

_SQRT = Context(prec=28)


class MeanReversionParams(SignalParams):
    """``window`` prices for the mean and std; enter at ``z <= -z_entry`` when the price is
    also at least ``min_move`` below the mean (a quiet market's one-tick wobble has a large z),
    exit at ``z >= -z_exit``; and the common parameters (size, cooldown, guards)."""

    window: Count = 20
    z_entry: Amount = Decimal(2)
    z_exit: Amount = Decimal("0.5")
    min_move: Amount = Decimal(0)

    @model_validator(mode="after")
    def _band(self) -> MeanReversionParams:
        if self.window < 2:
            raise ValueError("window must be at least 2")
        if self.z_entry <= 0 or self.z_exit >= self.z_entry:
            raise ValueError("z_entry must be greater than 0 and than z_exit")
        return self


def zscore(price: Decimal, window: tuple[Decimal, ...]) -> tuple[Decimal, Decimal, Decimal | None]:
    """(mean, std, z) of ``price`` against ``window``; z is None when the std is zero."""
    mean = sum(window, Decimal(0)) / len(window)
    variance = sum(((p - mean) ** 2 for p in window), Decimal(0)) / len(window)
    std = variance.sqrt(_SQRT)
    if std == 0:
        return mean, std, None
    return mean, std, (price - mean) / std


class MeanReversion(PriceSeriesStrategy[MeanReversionParams]):
    """The z-score mean reversion strategy (``strategy = "mean_reversion"``)."""

    name = "mean_reversion"
    params_model = MeanReversionParams

    def on_price(
        self,
        params: MeanReversionParams,
        state: TrackState,
        event: MarketEvent,
        track: Track,
        price: Decimal,
    ) -> Step[TrackState]:
        """Decide on the token's next price."""
        token = event.token_id
        if len(track.prices) < params.window:
            return Step(put_track(state, token, with_price(track, price, params.window)))
        mean, std, z = zscore(price, track.prices)
        previous = track.last_value
        track = with_price(track, price, params.window)
        track = track.model_copy(update={"last_value": z})
        features = {
            "price": feature(price),
            "mean": feature(mean),
            "std": feature(std),
            "z": feature(z),
            "previous_z": feature(previous),
            "window": str(params.window),
            "z_entry": feature(params.z_entry),
            "z_exit": feature(params.z_exit),
            "min_move": feature(params.min_move),
            "bid": feature(track.bid),
        }
        if z is None:
            return Step(put_track(state, token, track))
        track, signals = act(
            params,
            event,
            track,
            exit_now=z >= -params.z_exit,
            enter_now=z <= -params.z_entry
            and (previous is None or previous > -params.z_entry)
            and mean - price >= params.min_move,
            features=features,
            reasons=(
                f"exit: z {feature(z)} is back above -{feature(params.z_exit)} "
                f"(price {feature(price)}, mean {feature(mean)})",
                f"entry: z {feature(z)} crossed below -{feature(params.z_entry)} "
                f"(price {feature(price)}, mean {feature(mean)}, std {feature(std)})",
            ),
        )
        return Step(put_track(state, token, track), signals)
