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
from engine.values import Side, TradingState


class Agent(TapeAggregate):
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
            if aggregate.trade_day != self.day:
                aggregate.trade_day = self.day
                aggregate.trades_on_day = 0
            aggregate.trades_on_day += 1
            if self.side == Side.BUY.value:
                aggregate.commitments[self.order_id] = self.notional
                aggregate.committed_markets[self.order_id] = self.market_id
            else:
                aggregate.selling[self.order_id] = {"token_id": self.token_id, "size": self.size}
            if self.mark is not None:
                aggregate.marks[self.token_id] = self.mark

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
            holding = aggregate.holdings.setdefault(
                self.token_id,
                {"market_id": self.market_id, "size": Decimal(0), "cost": Decimal(0)},
            )
            signed = self.size if self.side == Side.BUY.value else -self.size
            holding["size"] += signed
            holding["cost"] += self.cost_change
            if holding["size"] == 0:
                del aggregate.holdings[self.token_id]
            if self.order_id in aggregate.commitments:
                left = aggregate.commitments[self.order_id] - self.price * self.size
                aggregate.commitments[self.order_id] = max(left, Decimal(0))
            if self.order_id in aggregate.selling:
                selling = aggregate.selling[self.order_id]
                selling["size"] = max(selling["size"] - self.size, Decimal(0))
            aggregate.realised_pnl += self.realised_pnl
            aggregate.fees += self.fee
            aggregate.consecutive_failures = 0

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
            aggregate.fees += self.fee_change
            holding = aggregate.holdings.setdefault(
                self.token_id,
                {"market_id": self.market_id, "size": Decimal(0), "cost": Decimal(0)},
            )
            holding["size"] += self.size_change
            holding["cost"] += self.cost_change
            if holding["size"] <= 0:
                del aggregate.holdings[self.token_id]
            aggregate.realised_pnl += self.realised_pnl_change

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
            holding = aggregate.holdings.get(self.token_id)
            if holding is not None:
                holding["size"] -= self.size
                holding["cost"] -= self.cost
                if holding["size"] == 0:
                    del aggregate.holdings[self.token_id]
            aggregate.realised_pnl += self.realised_pnl

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
        trade_day: str
        trades_on_day: int
        commitments: dict[str, Decimal]
        committed_markets: dict[str, str]
        selling: dict[str, dict[str, Any]]
        holdings: dict[str, dict[str, Any]]
        marks: dict[str, Decimal]
        realised_pnl: Decimal
        fees: Decimal
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

    def commit_order(
        self,
        *,
        order_id: str,
        day: str,
        market_id: str,
        token_id: str,
        side: Side,
        size: Decimal,
        notional: Decimal,
        mark: Decimal | None,
        at: datetime,
    ) -> None:
        """Book a placed order against the agent's limits."""
        self.trigger_event(
            self.OrderCommitted,
            order_id=order_id,
            day=day,
            market_id=market_id,
            token_id=token_id,
            side=side.value,
            size=size,
            notional=notional,
            mark=mark,
            timestamp=at,
        )

    def book_fill(
        self,
        *,
        order_id: str,
        market_id: str,
        token_id: str,
        side: Side,
        size: Decimal,
        price: Decimal,
        fee: Decimal,
        cost_change: Decimal,
        realised_pnl: Decimal,
        at: datetime,
    ) -> None:
        """Book a fill into the holdings and PnL."""
        self.trigger_event(
            self.FillBooked,
            order_id=order_id,
            market_id=market_id,
            token_id=token_id,
            side=side.value,
            size=size,
            price=price,
            fee=fee,
            cost_change=cost_change,
            realised_pnl=realised_pnl,
            timestamp=at,
        )

    def book_settlement(
        self,
        *,
        venue: str,
        market_id: str,
        token_id: str,
        size: Decimal,
        price: Decimal,
        cost: Decimal,
        payout: Decimal,
        realised_pnl: Decimal,
        at: datetime,
    ) -> None:
        """Book a settled position: its holding leaves the book, its PnL is realised."""
        self.trigger_event(
            self.PositionSettledBooked,
            venue=venue,
            market_id=market_id,
            token_id=token_id,
            size=size,
            price=price,
            cost=cost,
            payout=payout,
            realised_pnl=realised_pnl,
            timestamp=at,
        )

    def reverse_fill(
        self,
        *,
        order_id: str,
        market_id: str,
        token_id: str,
        size_change: Decimal,
        cost_change: Decimal,
        realised_pnl_change: Decimal,
        fee_change: Decimal,
        at: datetime,
    ) -> None:
        """Undo a voided fill in the risk book."""
        self.trigger_event(
            self.FillReversed,
            order_id=order_id,
            market_id=market_id,
            token_id=token_id,
            size_change=size_change,
            cost_change=cost_change,
            realised_pnl_change=realised_pnl_change,
            fee_change=fee_change,
            timestamp=at,
        )

    def release_commitment(self, *, order_id: str, at: datetime) -> None:
        """Free what a finished order had not spent."""
        if order_id in self.commitments or order_id in self.selling:
            self.trigger_event(self.CommitmentReleased, order_id=order_id, timestamp=at)

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

    def selling_size(self, token_id: str) -> Decimal:
        """Shares of a token that open sell orders may still sell."""
        return sum(
            (s["size"] for s in self.selling.values() if s["token_id"] == token_id), Decimal(0)
        )

    def trades_today(self, day: str) -> int:
        """Orders placed on ``day`` (YYYY-MM-DD, UTC)."""
        return self.trades_on_day if self.trade_day == day else 0

    def market_cost(self, market_id: str) -> Decimal:
        """Cost of what the agent holds in one market (every outcome of it), plus what its open
        buys there may still spend."""
        held = sum(
            (h["cost"] for h in self.holdings.values() if h["market_id"] == market_id),
            Decimal(0),
        )
        committed = sum(
            (
                notional
                for order_id, notional in self.commitments.items()
                if self.committed_markets.get(order_id) == market_id
            ),
            Decimal(0),
        )
        return held + committed

    def deployed(self) -> Decimal:
        """Cost of all holdings plus open buy commitments: what the budget limits."""
        held = sum((h["cost"] for h in self.holdings.values()), Decimal(0))
        return held + sum(self.commitments.values(), Decimal(0))

    def marked_pnl(self) -> Decimal:
        """Unrealised PnL of the holdings at the last marks the agent recorded (cost if none)."""
        total = Decimal(0)
        for token_id in sorted(self.holdings):
            holding = self.holdings[token_id]
            mark = self.marks.get(token_id)
            if mark is not None:
                total += holding["size"] * mark - holding["cost"]
        return total
