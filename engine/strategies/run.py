"""The StrategyRun aggregate: one per strategy agent, the record of what its strategy saw and
did. Each market event the strategy was given is one ``MarketObserved`` event holding the
event itself (an input: replay and ``export-day`` read it back), the strategy's new state, and
the intents it gave (their ``tape.intent/1`` form, with reason and features)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.ids import strategy_run_uuid


class StrategyRun(TapeAggregate):
    """An agent's strategy, as it ran."""

    @staticmethod
    def create_id(agent: str) -> UUID:
        """uuid5 of the agent's name."""
        return strategy_run_uuid(agent)

    class Started(TapeAggregate.Created):
        """The agent's strategy saw its first market event."""

        agent: str
        strategy: str

        def apply(self, aggregate: Any) -> None:
            aggregate.agent = self.agent
            aggregate.strategy = self.strategy
            aggregate.state = None
            aggregate.observed = 0
            aggregate.emitted = 0

    class MarketObserved(TapeAggregate.Event):
        """The strategy was given a market event (``market``: a ``tape.day/1`` book or trade
        record without its time, which is the event's; ``at``: the time as the source wrote
        it), from ``feed`` at ``line_no``; it returned ``state`` and ``intents`` (or raised:
        ``error`` names the exception, the state is kept and nothing is given)."""

        strategy: str
        market: dict[str, Any]
        at: str
        feed: str
        line_no: int
        state: dict[str, Any]
        intents: list[dict[str, Any]]
        error: str

        def apply(self, aggregate: Any) -> None:
            aggregate.strategy = self.strategy
            aggregate.state = self.state
            aggregate.observed += 1
            aggregate.emitted += len(self.intents)

    if TYPE_CHECKING:
        agent: str
        strategy: str
        state: dict[str, Any] | None
        observed: int
        emitted: int

    @classmethod
    def start(cls, *, agent: str, strategy: str, at: datetime) -> StrategyRun:
        """The record of an agent's strategy, before its first market event."""
        return cls._create(cls.Started, agent=agent, strategy=strategy, timestamp=at)

    def state_for(self, strategy: str) -> dict[str, Any] | None:
        """The state last stored, if it is this strategy's (an agent that changed strategy
        starts afresh)."""
        return self.state if self.strategy == strategy else None

    def observe(
        self,
        *,
        strategy: str,
        market: dict[str, Any],
        at_text: str,
        feed: str,
        line_no: int,
        state: dict[str, Any],
        intents: list[dict[str, Any]],
        error: str,
        at: datetime,
    ) -> None:
        """Record one market event the strategy was given and what it returned."""
        self.trigger_event(
            self.MarketObserved,
            strategy=strategy,
            market=market,
            at=at_text,
            feed=feed,
            line_no=line_no,
            state=state,
            intents=intents,
            error=error,
            timestamp=at,
        )
