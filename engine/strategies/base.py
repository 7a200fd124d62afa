"""The strategy interface: pure code that turns market data and its own state into signals.

A strategy reads no clock, does no I/O and draws no random number. The engine hands it one
market event at a time (a token's book, or a trade, each with its time), with its parameters
(validated from the agent's ``tape.toml`` table) and the state it returned last time, and it
answers a :class:`Step`: its new state and the signals it gives. The engine turns each signal
into a ``tape.intent/1`` intent (``source.kind = "strategy"``, the strategy's name, the reason
and the features) that goes through the same firewall as a copy; the strategy never sizes
against the agent's limits, places an order or sees a venue.

State is a pydantic model, stored as JSON in the agent's ``StrategyRun`` events, so a restart,
a replay and a counterfactual start from exactly what the strategy last returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from engine.values import Book, Level, Side, dec_str

if TYPE_CHECKING:
    from engine.config import AgentConfig


@dataclass(frozen=True)
class BookSeen:
    """A token's whole book at ``at``: a day's ``book`` record, or a venue's public book polled
    live. ``book.at`` is ``at`` as its source wrote it (replay reads the time back from it);
    ``book.market_id`` may be empty when the source does not name the market."""

    at: datetime
    book: Book

    @property
    def venue(self) -> str:
        """The venue of the book."""
        return self.book.venue

    @property
    def token_id(self) -> str:
        """The token the book is of."""
        return self.book.token_id

    @property
    def market_id(self) -> str:
        """The market the token belongs to ("" when unknown)."""
        return self.book.market_id


@dataclass(frozen=True)
class TradeSeen:
    """A trade printed on a venue at ``at``: price, size and, when known, the taker's side."""

    at: datetime
    venue: str
    token_id: str
    price: Decimal
    size: Decimal
    side: Side | None = None
    market_id: str = ""


MarketEvent = BookSeen | TradeSeen


def market_event_record(event: MarketEvent) -> dict[str, Any]:
    """The market event as JSON-ready data, the form stored in ``StrategyRun`` events and
    written back out by ``export-day`` (a ``tape.day/1`` record without ``at``)."""
    if isinstance(event, BookSeen):
        book = event.book
        record: dict[str, Any] = {
            "type": "book",
            "venue": book.venue,
            "token_id": book.token_id,
            "bids": [[dec_str(lv.price), dec_str(lv.size)] for lv in book.bids],
            "asks": [[dec_str(lv.price), dec_str(lv.size)] for lv in book.asks],
            "tick_size": dec_str(book.tick_size),
            "min_size": dec_str(book.min_size),
            "size_step": dec_str(book.size_step),
        }
        if book.market_id:
            record["market_id"] = book.market_id
        return record
    record = {
        "type": "trade",
        "venue": event.venue,
        "token_id": event.token_id,
        "price": dec_str(event.price),
        "size": dec_str(event.size),
    }
    if event.side is not None:
        record["side"] = event.side.value
    if event.market_id:
        record["market_id"] = event.market_id
    return record


def market_event_from_record(record: Mapping[str, Any], at: datetime, at_text: str) -> MarketEvent:
    """Inverse of :func:`market_event_record` (``at_text`` is the book's recorded time)."""
    if record["type"] == "book":
        return BookSeen(
            at,
            Book(
                venue=record["venue"],
                token_id=record["token_id"],
                at=at_text,
                bids=tuple(Level(Decimal(p), Decimal(s)) for p, s in record["bids"]),
                asks=tuple(Level(Decimal(p), Decimal(s)) for p, s in record["asks"]),
                tick_size=Decimal(record["tick_size"]),
                min_size=Decimal(record["min_size"]),
                size_step=Decimal(record.get("size_step", "0.01")),
                market_id=record.get("market_id", ""),
            ),
        )
    side = record.get("side")
    return TradeSeen(
        at=at,
        venue=record["venue"],
        token_id=record["token_id"],
        price=Decimal(record["price"]),
        size=Decimal(record["size"]),
        side=Side(side) if side is not None else None,
        market_id=record.get("market_id", ""),
    )


@dataclass(frozen=True)
class Leg:
    """One order a signal asks for: what to trade, which way, at what price and how much.

    ``price`` is the price the strategy saw (the firewall's slippage check compares the book
    with it); ``size`` is in shares (contracts), the strategy's ``size``, which the firewall
    caps by the agent's limits."""

    venue: str
    market_id: str
    token_id: str
    outcome: str
    side: Side
    price: Decimal
    size: Decimal


@dataclass(frozen=True)
class Signal:
    """What a strategy wants done, and why: one or more legs (an arbitrage has two), a reason
    in words and the feature values that led to it (text, so they are stored exactly)."""

    legs: tuple[Leg, ...]
    reason: str
    features: Mapping[str, str] = field(default_factory=dict)


S = TypeVar("S", bound=BaseModel)
P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class Step(Generic[S]):
    """What a strategy answers to one market event: its new state and its signals."""

    state: S
    signals: tuple[Signal, ...] = ()


class StrategyParams(BaseModel):
    """Base of a strategy's parameters: frozen, unknown keys refused (a typo is an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StrategyState(BaseModel):
    """Base of a strategy's state: frozen, JSON-ready (decimals as text)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Strategy(Generic[P, S]):
    """A strategy: its name (the agent's ``strategy``), its parameter and state models, which
    market events it wants, and what it does with each.

    Subclasses set ``name``, ``params_model`` and ``state_model`` and implement ``on_book``
    (and ``on_trade`` when trades matter to them). Everything here must be a pure function
    of its arguments: the purity property test runs every registered strategy twice on the
    same inputs and compares.
    """

    name: ClassVar[str]
    params_model: ClassVar[type[BaseModel]]
    state_model: ClassVar[type[BaseModel]]
    top_level_keys: ClassVar[frozenset[str]] = frozenset()
    """Parameters that may also be written directly in the agent's table (the arbitrage's
    ``pairs``, ``min_profit_usdc`` ...), beside ``params = {...}``."""

    def parse_params(self, raw: Mapping[str, Any]) -> P:
        """The agent's parameters, validated (raises pydantic's ValidationError)."""
        return self.params_model.model_validate(dict(raw))  # type: ignore[return-value]

    def initial_state(self, params: P) -> S:
        """The state before the first market event."""
        return self.state_model()  # type: ignore[return-value]

    def load_state(self, params: P, stored: Mapping[str, Any] | None) -> S:
        """The state stored in the agent's last ``StrategyRun`` event (or the initial one)."""
        if stored is None:
            return self.initial_state(params)
        return self.state_model.model_validate(dict(stored))  # type: ignore[return-value]

    def dump_state(self, state: S) -> dict[str, Any]:
        """The state as JSON-ready data, as stored."""
        return state.model_dump(mode="json")

    def concerns(
        self, params: P, agent: AgentConfig, venue: str, token_id: str, market_id: str
    ) -> bool:
        """Whether a market event of this instrument is one the agent's strategy wants: by
        default, on one of the agent's venues and in its market allowlist (a token id or a
        market id; an empty list names no market: a strategy trades only what it is given)."""
        return venue in agent.venues and (token_id in agent.markets or market_id in agent.markets)

    def instruments(self, params: P, agent: AgentConfig) -> list[tuple[str, str]]:
        """The (venue, token id) books a live run polls for this agent: by default every
        entry of its market allowlist on each of its venues (an entry that is a market id,
        not a token, has no book and is skipped)."""
        return [(venue, market) for venue in agent.venues for market in agent.markets]

    def on_book(self, params: P, state: S, seen: BookSeen) -> Step[S]:
        """A new book of a concerned token."""
        raise NotImplementedError

    def on_trade(self, params: P, state: S, seen: TradeSeen) -> Step[S]:
        """A trade of a concerned token; by default nothing changes."""
        return Step(state)

    def on_market(self, params: P, state: S, event: MarketEvent) -> Step[S]:
        """Dispatch one market event."""
        if isinstance(event, BookSeen):
            return self.on_book(params, state, event)
        return self.on_trade(params, state, event)


def _state_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        return Decimal(value)
    raise ValueError("must be a decimal string")


StateDecimal = Annotated[
    Decimal, BeforeValidator(_state_decimal), PlainSerializer(dec_str, return_type=str)
]
"""A decimal in a strategy's state, stored as its canonical text."""
