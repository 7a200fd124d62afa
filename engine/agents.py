"""The Agent aggregate: an agent's rules, its trading switch, and the risk book its limits read.

The risk book (orders committed per day, open commitments, holdings cost per market, realised
PnL, last marks) is kept here so the firewall reads one aggregate per decision instead of every
position the agent has.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.config import AgentConfig
from engine.ids import agent_uuid
from engine.risk_book import (
    RiskBook,
    fold_fill_booked,
    fold_fill_reversed,
    fold_order_committed,
    fold_settlement,
)
from engine.values import TradingState


class Agent(RiskBook, TapeAggregate):
    """A named trading agent."""

    @staticmethod
    def create_id(name: str) -> UUID:
        """uuid5 of the agent's name."""
        return agent_uuid(name)

    class AgentRegistered(TapeAggregate.Created):
        """An agent came into being with its configuration."""

        name: str
        config: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.config_record = self.config
            aggregate.trading_state = TradingState.ACTIVE.value
            aggregate.state_reason = "registered"
            aggregate.trade_day = ""
            aggregate.trades_on_day = 0
            aggregate.commitments = {}
            aggregate.committed_markets = {}
            aggregate.selling = {}
            aggregate.holdings = {}
            aggregate.marks = {}
            aggregate.realised_pnl = Decimal(0)
            aggregate.fees = Decimal(0)
            aggregate.consecutive_failures = 0

    class AgentConfigChanged(TapeAggregate.Event):
        """The agent's rules changed."""

        config: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.config_record = self.config

    class TradingStateChanged(TapeAggregate.Event):
        """ACTIVE, REDUCING or HALTED, and why."""

        state: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.trading_state = self.state
            aggregate.state_reason = self.reason
            if self.state == TradingState.ACTIVE.value:
                aggregate.consecutive_failures = 0

    class CircuitBreakerTripped(TapeAggregate.Event):
        """Too many venue failures in a row; the agent is halted until activated again."""

        failures: int
        last_error: str

        def apply(self, aggregate: Any) -> None:
            aggregate.trading_state = TradingState.HALTED.value
            aggregate.state_reason = f"circuit breaker: {self.failures} venue failures"

    class OrderCommitted(TapeAggregate.Event):
        """An order was placed: it counts for the day, and a buy commits its notional."""

        order_id: str
        day: str
        market_id: str
        token_id: str
        side: str
        size: Decimal
        notional: Decimal
        mark: Decimal | None

        def apply(self, aggregate: Any) -> None:
            fold_order_committed(aggregate, self)

    class FillBooked(TapeAggregate.Event):
        """A fill changed the holdings; ``cost_change`` is signed, ``realised_pnl`` from sells."""

        order_id: str
        market_id: str
        token_id: str
        side: str
        size: Decimal
        price: Decimal
        fee: Decimal
        cost_change: Decimal
        realised_pnl: Decimal

        def apply(self, aggregate: Any) -> None:
            fold_fill_booked(aggregate, self)

    class FillReversed(TapeAggregate.Event):
        """A provisional fill was voided: what it did to the holdings and PnL is undone
        (``size_change`` and ``cost_change`` are signed, as they apply to the holding)."""

        order_id: str
        market_id: str
        token_id: str
        size_change: Decimal
        cost_change: Decimal
        realised_pnl_change: Decimal
        fee_change: Decimal

        def apply(self, aggregate: Any) -> None:
            fold_fill_reversed(aggregate, self)

    class CommitmentReleased(TapeAggregate.Event):
        """An order ended; what it had not spent (or sold) is no longer committed."""

        order_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.commitments.pop(self.order_id, None)
            aggregate.committed_markets.pop(self.order_id, None)
            aggregate.selling.pop(self.order_id, None)

    class PositionSettledBooked(TapeAggregate.Event):
        """A market resolved: the settled holding leaves the risk book and its PnL is realised
        (``payout`` is what the settled shares paid, ``cost`` what they had cost)."""

        venue: str
        market_id: str
        token_id: str
        size: Decimal
        price: Decimal
        cost: Decimal
        payout: Decimal
        realised_pnl: Decimal

        def apply(self, aggregate: Any) -> None:
            fold_settlement(aggregate, self)

    class VenueFailureCounted(TapeAggregate.Event):
        """A venue call failed; consecutive failures trip the circuit breaker."""

        error: str

        def apply(self, aggregate: Any) -> None:
            aggregate.consecutive_failures += 1

    if TYPE_CHECKING:
        name: str
        config_record: dict[str, Any]
        trading_state: str
        state_reason: str
        consecutive_failures: int

    @classmethod
    def register(cls, *, config: AgentConfig, at: datetime) -> Agent:
        """Create an agent from its configuration."""
        return cls._create(
            cls.AgentRegistered, name=config.name, config=config.to_record(), timestamp=at
        )

    @property
    def config(self) -> AgentConfig:
        """The agent's current rules."""
        return AgentConfig.from_record(self.config_record)

    def change_config(self, *, config: AgentConfig, at: datetime) -> bool:
        """Adopt new rules; returns whether anything changed."""
        record = config.to_record()
        if record == self.config_record:
            return False
        self.trigger_event(self.AgentConfigChanged, config=record, timestamp=at)
        return True

    def set_trading_state(self, *, state: TradingState, reason: str, at: datetime) -> bool:
        """Switch the agent; returns whether the state changed."""
        if state.value == self.trading_state:
            return False
        self.trigger_event(self.TradingStateChanged, state=state.value, reason=reason, timestamp=at)
        return True

    def count_venue_failure(self, *, error: str, threshold: int, at: datetime) -> bool:
        """Count a failed venue call; at ``threshold`` in a row the breaker trips (returns True)."""
        self.trigger_event(self.VenueFailureCounted, error=error, timestamp=at)
        if self.consecutive_failures >= threshold and self.trading_state != TradingState.HALTED:
            self.trigger_event(
                self.CircuitBreakerTripped,
                failures=self.consecutive_failures,
                last_error=error,
                timestamp=at,
            )
            return True
        return False
