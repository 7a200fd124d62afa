"""The engine's facade: ``TradingEngine.handle(command)`` routes each command
(``engine/commands.py``) to its handler (``engine/handlers/``); the named methods send one
command each.

Each step is its own transaction, in this order, so a crash between two steps leaves a state
the next start can finish from:

1. ``receive``: ``IntentReceived`` (or ``IntentRedelivered``) is saved.
2. ``decide``: the verdict, the ``OrderPlaced`` and the agent's risk book are saved together,
   *before* the venue hears of the order (write-ahead).
3. ``execute``: the venue is called; its answer goes through ``apply_report``.
4. ``apply_report``: acceptance or rejection, fills, positions and the risk book, saved together.

Runners use the facade's own words for the rest: ``group_commit()`` and ``commit()``,
``step(tracking)``, ``has_open_orders``, ``take_breaker_trips()``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import Tracking

from engine import commands as c
from engine.application import TapeApplication
from engine.commands import Command, Receipt, Recovery
from engine.config import AgentConfig
from engine.handlers import ROUTES
from engine.handlers.context import EngineContext
from engine.handlers.venue_reports import UnknownOrderError
from engine.intent import TradeIntent
from engine.ports import Clock, MarketData, VenuePort, VenueReport
from engine.settlement import Settlement
from engine.strategies.base import MarketEvent
from engine.unit_of_work import UnitOfWork
from engine.values import TradingState

__all__ = ["Receipt", "Recovery", "TradingEngine", "UnknownOrderError"]

DEFAULT_FAILURE_THRESHOLD = 5

R = TypeVar("R")


class TradingEngine:
    """Handles intents end to end and applies what venues report."""

    def __init__(
        self,
        app: TapeApplication,
        *,
        venues: Mapping[str, VenuePort],
        market_data: MarketData,
        clock: Clock,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
        route_signals: bool = True,
    ) -> None:
        """``route_signals`` False: take a signal (an intent without agent) in as it came, as
        an ingest log does for the workers that route it (``engine.signals``)."""
        self.app = app
        self._ctx = EngineContext(
            app=app,
            unit=UnitOfWork(app),
            venues=venues,
            market_data=market_data,
            clock=clock,
            failure_threshold=failure_threshold,
            routes=ROUTES,
            route_signals=route_signals,
        )

    def handle(self, command: Command[R]) -> R:
        """Run one command through its handler; returns what the handler answers."""
        return self._ctx.handle(command)

    # -- for runners ----------------------------------------------------------------------

    @property
    def unit(self) -> UnitOfWork:
        """The unit of work the steps are saved through."""
        return self._ctx.unit

    @property
    def venues(self) -> Mapping[str, VenuePort]:
        """The venue adapters, by venue name."""
        return self._ctx.venues

    @venues.setter
    def venues(self, venues: Mapping[str, VenuePort]) -> None:
        self._ctx.venues = venues

    @property
    def market_data(self) -> MarketData:
        """Where the books come from."""
        return self._ctx.market_data

    @market_data.setter
    def market_data(self, market_data: MarketData) -> None:
        self._ctx.market_data = market_data

    @property
    def clock(self) -> Clock:
        """Where the engine's time comes from."""
        return self._ctx.clock

    @property
    def failure_threshold(self) -> int:
        """Consecutive venue failures that trip an agent's circuit breaker."""
        return self._ctx.failure_threshold

    @property
    def open_orders(self) -> frozenset[UUID]:
        """The orders sent and not yet terminal, as far as this engine knows."""
        return frozenset(self._ctx.open_orders)

    @property
    def has_open_orders(self) -> bool:
        """Whether any order sent is not yet terminal (resting orders: poll for fills)."""
        return bool(self._ctx.open_orders)

    @property
    def tripped(self) -> list[tuple[str, str]]:
        """(agent, last error) of the circuit breakers tripped and not yet taken."""
        return list(self._ctx.breaker_trips)

    def followers(self, trader: str) -> list[str]:
        """The copy agents following ``trader``, by name: whom its signals go to."""
        with self._ctx.unit.step():  # what it reads is forgotten with the step
            return self._ctx.roster.followers(self.app, self._ctx.unit, trader.lower())

    def take_breaker_trips(self) -> list[tuple[str, str]]:
        """The circuit breakers tripped since the last call, (agent, last error), oldest first."""
        trips = list(self._ctx.breaker_trips)
        self._ctx.breaker_trips.clear()
        return trips

    @contextmanager
    def group_commit(self) -> Iterator[None]:
        """Let steps that call no venue ride with the next commit (``engine.unit_of_work``),
        for a runner that reads its inputs again after a crash. What is deferred is committed
        by ``commit()`` (and before any venue call)."""
        self._ctx.unit.defer = True
        try:
            yield
        finally:
            self._ctx.unit.defer = False

    @contextmanager
    def step(self, tracking: Tracking | None = None) -> Iterator[None]:
        """One transaction for the commands sent inside it, with ``tracking`` (the position of
        the upstream event they process)."""
        with self._ctx.step(tracking):
            yield

    def commit(self) -> None:
        """Commit the steps a group commit deferred (see ``engine.unit_of_work``)."""
        self._ctx.unit.flush()

    # -- the commands, by name ------------------------------------------------------------

    def register_agents(self, configs: Sequence[AgentConfig]) -> None:
        """Register new agents and record changed rules of known ones."""
        self.handle(c.RegisterAgents(tuple(configs)))

    def set_trading_state(self, name: str, state: TradingState, reason: str) -> bool:
        """Activate, reduce or halt an agent; returns whether its state changed."""
        return self.handle(c.SetTradingState(name, state, reason))

    def submit(
        self, intent: TradeIntent, *, feed: str, line_no: int = 0, tracking: Tracking | None = None
    ) -> Receipt:
        """Receive an intent and, if it is new, decide it and place its orders (see
        ``engine.handlers.intake.submit``)."""
        return self.handle(c.SubmitIntent(intent, feed, line_no, tracking))

    def receive(self, intent: TradeIntent, *, feed: str, line_no: int = 0) -> Receipt:
        """Record the intent durably; a known intent_id is recorded as redelivered, nothing more."""
        return self.handle(c.ReceiveIntent(intent, feed, line_no))

    def reject_input(self, *, feed: str, line_no: int, reason: str, digest: str) -> None:
        """Record an input record that could not be taken in (``Feed.InputDenied``)."""
        self.handle(c.RecordUnreadableInput(feed, line_no, reason, digest))

    def decide(self, intent: TradeIntent) -> list[UUID]:
        """Give a received intent its verdict; returns the orders written ahead (not yet sent)."""
        return self.handle(c.DecideIntent(intent))

    def decide_pending(self, intent_id: str) -> list[UUID]:
        """Decide an intent that was received but has no verdict yet (after a restart)."""
        return self.handle(c.DecidePending(intent_id))

    def settle(
        self, *, venue: str, market_id: str, winning_token_id: str, at: datetime | None = None
    ) -> Settlement:
        """Settle every position held in a resolved market (see ``engine.settlement``)."""
        return self.handle(c.SettleMarket(venue, market_id, winning_token_id, at))

    def execute(self, order_id: UUID) -> None:
        """Send a written-ahead order to its venue and record the answer."""
        self.handle(c.ExecuteOrder(order_id))

    def deny_order(self, order_id: UUID, *, reason: str, detail: str) -> None:
        """Refuse to send an order (``Order.OrderDenied``), freeing what it had committed."""
        self.handle(c.DenyOrder(order_id, reason, detail))

    def recover(self) -> Recovery:
        """Finish what a crash left: reconcile every order that is not terminal with its venue,
        then decide the intents that were received without a verdict."""
        return self.handle(c.Recover())

    def reconcile_open_orders(self) -> dict[str, int]:
        """Ask the venues about every order not yet terminal (periodically while running)."""
        return self.handle(c.ReconcileOpenOrders())

    def reconcile(self, order_id: UUID) -> str:
        """Ask the order's venue what it knows, record the answer, then apply it (see
        ``engine.handlers.reconciliation``). Returns what was done."""
        return self.handle(c.ReconcileOrder(order_id))

    def expire_order(self, order_id: UUID, *, reason: str) -> None:
        """End an order that will not trade further, and free what it had committed."""
        self.handle(c.ExpireOrder(order_id, reason))

    def record_uncertain(self, order_id: UUID, *, error: str) -> None:
        """Record a venue call whose outcome is unknown (timeout, connection error, 5xx)."""
        self.handle(c.RecordUncertain(order_id, error))

    def poll_venue(self, venue_name: str, *, accounts: frozenset[str] | None = None) -> int:
        """Apply the reports a venue has for us (fills of resting orders); returns how many.
        ``accounts``: only those agents' reports (a worker asks for its partition's)."""
        return self.handle(c.PollVenue(venue_name, accounts))

    def apply_report(self, report: VenueReport) -> None:
        """Record what the venue says of an order: acceptance or rejection, fills, closure."""
        self.handle(c.ApplyVenueReport(report))

    def feed_market(self, event: MarketEvent, *, feed: str, line_no: int = 0) -> list[Receipt]:
        """Give a book or trade to the strategies it concerns, then submit their intents
        (see ``engine.handlers.strategies``)."""
        return self.handle(c.FeedMarket(event, feed, line_no))

    def observe_market(
        self,
        event: MarketEvent,
        *,
        feed: str,
        line_no: int = 0,
        agents: frozenset[str] | None = None,
    ) -> list[TradeIntent]:
        """Give a book or trade to the strategies it concerns and record what they did;
        their intents are answered, not taken in (replay takes them in as recorded)."""
        return self.handle(c.ObserveMarket(event, feed, line_no, agents))
