"""What every handler works with: the store's unit of work, the ports, and the engine's
in-memory bookkeeping (orders still open, circuit breakers tripped)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.persistence import Tracking

from engine.application import TapeApplication
from engine.commands import Command
from engine.orders import Order
from engine.ports import Clock, MarketData, VenuePort
from engine.signals import Roster
from engine.strategies.roster import StrategyRoster
from engine.unit_of_work import UnitOfWork

R = TypeVar("R")

Handler = Callable[["EngineContext", Any], Any]


@dataclass(frozen=True)
class Route:
    """How a command is handled: by which function, and whether as one step of the unit of
    work (saved together, or not at all)."""

    handler: Handler
    step: bool = True


@dataclass
class EngineContext:
    """The engine's parts, shared by its handlers; ``handle`` sends a command on."""

    app: TapeApplication
    unit: UnitOfWork
    venues: Mapping[str, VenuePort]
    market_data: MarketData
    clock: Clock
    failure_threshold: int
    routes: Mapping[type[Any], Route]
    open_orders: set[UUID] = field(default_factory=set)
    breaker_trips: list[tuple[str, str]] = field(default_factory=list)  # (agent, last error)
    open_pairs: set[UUID] = field(default_factory=set)  # arbitrage pairs not yet closed
    roster: Roster = field(default_factory=Roster)  # the agents a signal may go to
    route_signals: bool = True  # False: an ingest log, which records a signal as it came
    strategy_roster: StrategyRoster = field(default_factory=StrategyRoster)  # with a strategy

    def handle(self, command: Command[R]) -> R:
        """Run the command's handler (as a step, when its route says so)."""
        route = self.routes[type(command)]
        if not route.step:
            return cast(R, route.handler(self, command))
        try:  # what step() does, without a generator per command
            with self.unit.step():
                return cast(R, route.handler(self, command))
        except BaseException:
            self._reopen_discarded_orders()
            raise

    @contextlib.contextmanager
    def step(self, tracking: Tracking | None = None) -> Iterator[None]:
        """One step of the unit of work (steps nest); a step that fails puts the orders whose
        uncommitted answers it threw away back among the open ones."""
        try:
            with self.unit.step(tracking):
                yield
        except BaseException:
            self._reopen_discarded_orders()
            raise

    def after(self, moment: datetime) -> datetime:
        """The engine's time, never before ``moment``."""
        # An aggregate's events never go back in time: after a restart the day clock has not
        # yet reached the time of the work being finished.
        return max(self.clock.now(), moment)

    def _reopen_discarded_orders(self) -> None:
        # A failed step threw away uncommitted venue answers too: their orders are still open
        # in the store, so they go back to the orders to reconcile.
        for aggregate_id in self.unit.discarded:
            with contextlib.suppress(Exception):
                stored: Any = self.app.repository.get(aggregate_id)
                if isinstance(stored, Order) and not stored.is_terminal:
                    self.open_orders.add(aggregate_id)
        self.unit.discarded = set()
