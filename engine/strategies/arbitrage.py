"""Cross-venue arbitrage (``strategy = "arbitrage"``): buy YES on one venue and NO on the other
when the pair costs less than 1 by more than ``min_profit_usdc`` after both venues' fees.

The state keeps the latest book of each token of the agent's pairs (Polymarket YES and NO,
Kalshi ``:yes`` and ``:no``) and when each pair was last traded. Every new book of one of them
prices the pairs it belongs to in both directions (``engine.arbitrage.edge``: the asks walked
level by level, each venue's fee per level) with books at most ``max_book_age_s`` old, and a
pair whose best direction clears ``min_profit_usdc`` (once per pair and ``window_s``) gives ONE
signal with two legs: equal share counts, each at the last level its walk touches. The
features carry both books' best levels and walked asks, each leg's fee, the cost and the edge.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from engine.arbitrage.edge import BookKey, Opportunity, price_pair, worth_taking
from engine.arbitrage.params import ArbPair, ArbParams
from engine.config import AgentConfig
from engine.intent import MAX_FEATURE_CHARS, UtcTime
from engine.strategies.base import (
    BookSeen,
    Leg,
    Signal,
    StateDecimal,
    Step,
    Strategy,
    StrategyState,
)
from engine.values import Book, Level, Side, dec_str

LEVELS_SHOWN = 4
"""Book levels a feature shows per side (a feature value is at most 100 characters)."""


class SeenBook(StrategyState):
    """A token's latest book, as the state keeps it."""

    at: UtcTime
    at_text: str
    market_id: str = ""
    bids: tuple[tuple[StateDecimal, StateDecimal], ...] = ()
    asks: tuple[tuple[StateDecimal, StateDecimal], ...] = ()
    tick_size: StateDecimal
    min_size: StateDecimal
    size_step: StateDecimal


class ArbState(StrategyState):
    """The latest book of each token of the pairs (``venue|token``), and the window
    (``window_s``) each pair was last traded in."""

    books: dict[str, SeenBook] = Field(default_factory=dict)
    traded_in: dict[str, int] = Field(default_factory=dict)  # pair -> window of its last trade


def _key(venue: str, token_id: str) -> str:
    return f"{venue}|{token_id}"


def _tokens(pair: ArbPair) -> set[BookKey]:
    return {
        ("polymarket", pair.polymarket),
        ("polymarket", pair.polymarket_no),
        ("kalshi", pair.kalshi_token("yes")),
        ("kalshi", pair.kalshi_token("no")),
    }


def _book(venue: str, token_id: str, seen: SeenBook) -> Book:
    return Book(
        venue=venue,
        token_id=token_id,
        at=seen.at_text,
        bids=tuple(Level(p, s) for p, s in seen.bids),
        asks=tuple(Level(p, s) for p, s in seen.asks),
        tick_size=seen.tick_size,
        min_size=seen.min_size,
        size_step=seen.size_step,
        market_id=seen.market_id,
    )


def _levels(levels: tuple[Level, ...]) -> str:
    shown = " ".join(f"{dec_str(lv.price)}x{dec_str(lv.size)}" for lv in levels[:LEVELS_SHOWN])
    return shown or "none"


def features_of(
    opportunity: Opportunity, books: dict[BookKey, Book], params: ArbParams
) -> dict[str, str]:
    """What ``tape why`` shows of an arbitrage: both books, each leg's walk and fee, the cost
    and the edge against the minimum."""
    features = {
        "pair": opportunity.pair.key,
        "direction": opportunity.direction,
        "size": dec_str(opportunity.size),
        "cost": dec_str(opportunity.cost),
        "fees": dec_str(opportunity.fees),
        "edge": dec_str(opportunity.edge),
        "min_profit_usdc": dec_str(params.min_profit_usdc),
    }
    for n, leg in enumerate(opportunity.legs):
        book = books[(leg.venue, leg.token_id)]
        features |= {
            f"leg{n}_venue": leg.venue,
            f"leg{n}_token": leg.token_id,
            f"leg{n}_book_at": book.at,
            f"leg{n}_best_bid": dec_str(book.bids[0].price) if book.bids else "none",
            f"leg{n}_best_ask": dec_str(book.asks[0].price) if book.asks else "none",
            f"leg{n}_bids": _levels(book.bids),
            f"leg{n}_asks": _levels(book.asks),
            f"leg{n}_average_price": dec_str(leg.average_price.quantize(Decimal("0.000001"))),
            f"leg{n}_limit_price": dec_str(leg.limit_price),
            f"leg{n}_fee": dec_str(leg.fee),
        }
    return {k: v[:MAX_FEATURE_CHARS] for k, v in features.items()}  # the intent's bound


class Arbitrage(Strategy[ArbParams, ArbState]):
    """The cross-venue arbitrage strategy (Polymarket <-> Kalshi)."""

    name = "arbitrage"
    params_model = ArbParams
    state_model = ArbState
    top_level_keys = frozenset(ArbParams.model_fields)

    def concerns(
        self, params: ArbParams, agent: AgentConfig, venue: str, token_id: str, market_id: str
    ) -> bool:
        """A book of a token of one of its pairs, on a venue the agent trades on."""
        return venue in agent.venues and any((venue, token_id) in _tokens(p) for p in params.pairs)

    def instruments(self, params: ArbParams, agent: AgentConfig) -> list[tuple[str, str]]:
        """The four books of each pair (on the agent's venues), which a live run polls."""
        return sorted({(v, t) for p in params.pairs for v, t in _tokens(p) if v in agent.venues})

    def on_book(self, params: ArbParams, state: ArbState, seen: BookSeen) -> Step[ArbState]:
        """Keep the book; price the pairs it belongs to; signal the ones worth taking."""
        book = seen.book
        kept = SeenBook(
            at=seen.at,
            at_text=book.at,
            market_id=book.market_id,
            bids=tuple((lv.price, lv.size) for lv in book.bids),
            asks=tuple((lv.price, lv.size) for lv in book.asks),
            tick_size=book.tick_size,
            min_size=book.min_size,
            size_step=book.size_step,
        )
        books_kept = {**state.books, _key(book.venue, book.token_id): kept}
        traded = dict(state.traded_in)
        window = int(seen.at.timestamp()) // params.window_s
        signals = []
        for pair in params.pairs:
            if (book.venue, book.token_id) not in _tokens(pair) or traded.get(pair.key) == window:
                continue
            signal = self._price(params, pair, books_kept, seen.at)
            if signal is not None:
                signals.append(signal)
                traded[pair.key] = window
        new_state = ArbState(books=books_kept, traded_in=traded)
        return Step(new_state, tuple(signals))

    def _price(
        self,
        params: ArbParams,
        pair: ArbPair,
        kept: dict[str, SeenBook],
        now: datetime,
    ) -> Signal | None:
        books: dict[BookKey, Book] = {}
        for venue, token in _tokens(pair):
            found = kept.get(_key(venue, token))
            if found is not None and (now - found.at).total_seconds() <= params.max_book_age_s:
                books[(venue, token)] = _book(venue, token, found)
        priced = price_pair(pair, books, params)
        if not priced or not worth_taking(priced[0], params):
            return None
        best = priced[0]
        legs = tuple(
            Leg(
                leg.venue,
                leg.market_id,
                leg.token_id,
                leg.outcome,
                Side.BUY,
                leg.limit_price,
                leg.size,
            )
            for leg in best.legs
        )
        reason = (
            f"{best.direction}: {dec_str(best.size)} pairs cost {dec_str(best.cost)} with "
            f"{dec_str(best.fees)} fees; edge {dec_str(best.edge)} > "
            f"{dec_str(params.min_profit_usdc)}"
        )
        return Signal(legs, reason, features_of(best, books, params))
