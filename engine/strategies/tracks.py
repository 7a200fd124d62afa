"""What the single-token strategies (mean reversion, momentum) share: their common parameters
(size, cooldown, price range, time to expiry), the per-token track of prices and top of book
they keep in their state, and the guards an entry must pass."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal, TypeVar

from pydantic import Field, model_validator

from engine.config import Amount, Count
from engine.intent import UtcTime
from engine.strategies.base import (
    BookSeen,
    Leg,
    MarketEvent,
    Signal,
    StateDecimal,
    Step,
    Strategy,
    StrategyParams,
    StrategyState,
    TradeSeen,
)
from engine.values import Side, dec_str

FEATURE_QUANTUM = Decimal("0.000001")


def feature(value: Decimal | int | str | None) -> str:
    """A feature value as stored: decimals to six places, canonical text; None as "none"."""
    if value is None:
        return "none"
    if isinstance(value, Decimal):
        return dec_str(value.quantize(FEATURE_QUANTUM, rounding=ROUND_HALF_EVEN))
    return str(value)


class SignalParams(StrategyParams):
    """Parameters every single-token strategy takes.

    Attributes:
        size: shares (contracts) per order; the firewall caps it by the agent's limits.
        cooldown_s: seconds after an entry on a token before the next entry on it.
        min_price, max_price: entries only when the price we would pay is inside this range.
        expiries: when each market closes (token id or market id -> RFC 3339 UTC time).
        min_time_to_expiry_s: no entry closer than this to the market's close (markets not
            in ``expiries`` are not guarded).
        price: what the signal is computed on: the book's ``mid`` or the ``last_trade``.
        outcomes: the outcome name of each token on its intents (default "Yes", or "No" for a
            Kalshi ``<ticker>:no``).
    """

    size: Amount
    cooldown_s: Count = 60
    min_price: Amount = Decimal("0.10")
    max_price: Amount = Decimal("0.90")
    expiries: dict[str, UtcTime] = Field(default_factory=dict)
    min_time_to_expiry_s: Count = 0
    price: Literal["mid", "last_trade"] = "mid"
    outcomes: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sensible(self) -> SignalParams:
        if self.size <= 0:
            raise ValueError("size must be greater than 0")
        if not Decimal(0) <= self.min_price <= self.max_price <= Decimal(1):
            raise ValueError("min_price and max_price must satisfy 0 <= min <= max <= 1")
        return self


class Track(StrategyState):
    """What a strategy keeps of one token: recent prices (oldest first), the last top of
    book, its last indicator value, whether it asked to be in, and its last entry's time."""

    market_id: str = ""
    prices: tuple[StateDecimal, ...] = ()
    bid: StateDecimal | None = None
    ask: StateDecimal | None = None
    last_value: StateDecimal | None = None
    holding: bool = False
    last_entry_at: UtcTime | None = None


class TrackState(StrategyState):
    """A single-token strategy's state: one track per token."""

    tracks: dict[str, Track] = Field(default_factory=dict)


def observed_price(params: SignalParams, track: Track, event: MarketEvent) -> Decimal | None:
    """The price this event gives the series: a book's mid, or a trade's price (per
    ``params.price``); None when the event gives none (a book with one side empty)."""
    if isinstance(event, BookSeen):
        if params.price != "mid":
            return None
        bid, ask = event.book.best_bid(), event.book.best_ask()
        return (bid + ask) / 2 if bid is not None and ask is not None else None
    if isinstance(event, TradeSeen) and params.price == "last_trade":
        return event.price
    return None


def with_event(track: Track, event: MarketEvent) -> Track:
    """The track with the event's top of book (books) and market id."""
    updates: dict[str, object] = {}
    if event.market_id:
        updates["market_id"] = event.market_id
    if isinstance(event, BookSeen):
        updates["bid"] = event.book.best_bid()
        updates["ask"] = event.book.best_ask()
    return track.model_copy(update=updates) if updates else track


def with_price(track: Track, price: Decimal, keep: int) -> Track:
    """The track with ``price`` appended, the oldest dropped beyond ``keep``."""
    return track.model_copy(update={"prices": (*track.prices, price)[-keep:]})


def entry_block(
    params: SignalParams, track: Track, token_id: str, at: datetime
) -> tuple[str | None, dict[str, str]]:
    """Why an entry may not be taken now (None: it may), and the guard values looked at."""
    values: dict[str, str] = {"ask": feature(track.ask)}
    if track.ask is None:
        return "no ask to buy from", values
    if not params.min_price <= track.ask <= params.max_price:
        values["price_range"] = f"{dec_str(params.min_price)}-{dec_str(params.max_price)}"
        return "price outside the range", values
    if track.last_entry_at is not None:
        since = int((at - track.last_entry_at).total_seconds())
        values["since_last_entry_s"] = str(since)
        if since < params.cooldown_s:
            return "cooling down", values
    expiry = params.expiries.get(token_id) or params.expiries.get(track.market_id)
    if expiry is not None:
        left = int((expiry - at).total_seconds())
        values["time_to_expiry_s"] = str(left)
        if left < params.min_time_to_expiry_s:
            return "too close to expiry", values
    return None, values


def outcome_of(params: SignalParams, token_id: str) -> str:
    """The outcome name the intents give this token."""
    if token_id in params.outcomes:
        return params.outcomes[token_id]
    return "No" if token_id.lower().endswith(":no") else "Yes"


def leg(params: SignalParams, token_id: str, venue: str, track: Track, side: Side) -> Leg | None:
    """An order on the token at the price we would pay (buy: the ask; sell: the bid), or None
    when that side of the book is empty."""
    price = track.ask if side is Side.BUY else track.bid
    if price is None:
        return None
    return Leg(
        venue=venue,
        market_id=track.market_id or token_id,
        token_id=token_id,
        outcome=outcome_of(params, token_id),
        side=side,
        price=price,
        size=params.size,
    )


def put_track(state: TrackState, token: str, track: Track) -> TrackState:
    """The state with the token's track replaced."""
    return state.model_copy(update={"tracks": {**state.tracks, token: track}})


def act(
    params: SignalParams,
    event: MarketEvent,
    track: Track,
    *,
    exit_now: bool,
    enter_now: bool,
    features: dict[str, str],
    reasons: tuple[str, str],
) -> tuple[Track, tuple[Signal, ...]]:
    """The crossing rule's outcome for a long-only single-token strategy: when in and
    ``exit_now``, a sell at the bid (``reasons[0]``); when out and ``enter_now`` and the entry
    guards pass, a buy at the ask (``reasons[1]``); else nothing. Answers the new track."""
    token = event.token_id
    if track.holding and exit_now:
        sell = leg(params, token, event.venue, track, Side.SELL)
        if sell is None:
            return track, ()
        out = track.model_copy(update={"holding": False})
        return out, (Signal((sell,), reasons[0], features),)
    if track.holding or not enter_now:
        return track, ()
    blocked, guards = entry_block(params, track, token, event.at)
    buy = leg(params, token, event.venue, track, Side.BUY)
    if blocked is not None or buy is None:
        return track, ()
    entered = track.model_copy(update={"holding": True, "last_entry_at": event.at})
    return entered, (Signal((buy,), reasons[1], {**features, **guards}),)


SP = TypeVar("SP", bound=SignalParams)


class PriceSeriesStrategy(Strategy[SP, TrackState]):
    """A strategy on one price series per token: each book (its mid, ``price = "mid"``) or each
    trade (its price, ``price = "last_trade"``) adds the next price to the token's track, and
    ``on_price`` decides on it. Mean reversion and momentum are such strategies."""

    state_model = TrackState

    def on_book(self, params: SP, state: TrackState, seen: BookSeen) -> Step[TrackState]:
        """A book: its mid is the next price (``price = "mid"``)."""
        return self._observe(params, state, seen)

    def on_trade(self, params: SP, state: TrackState, seen: TradeSeen) -> Step[TrackState]:
        """A trade: its price is the next price (``price = "last_trade"``)."""
        return self._observe(params, state, seen)

    def _observe(self, params: SP, state: TrackState, event: MarketEvent) -> Step[TrackState]:
        token = event.token_id
        track = with_event(state.tracks.get(token, Track()), event)
        price = observed_price(params, track, event)
        if price is None:
            return Step(put_track(state, token, track))
        return self.on_price(params, state, event, track, price)

    def on_price(
        self, params: SP, state: TrackState, event: MarketEvent, track: Track, price: Decimal
    ) -> Step[TrackState]:
        """Decide on the token's next ``price`` (``track``: its series before it)."""
        raise NotImplementedError
