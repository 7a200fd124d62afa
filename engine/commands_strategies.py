"""Commands of strategies: market events given to them, and paired intents (arbitrage) advanced."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from engine.command import Command, Receipt
from engine.intent import TradeIntent
from engine.strategies.base import MarketEvent

# -- strategies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ObserveMarket(Command[list[TradeIntent]]):
    """Give a market event (a book or a trade) to the strategy of every agent it concerns
    (``agents``: of those only, a replay of one agent): one ``StrategyRun.MarketObserved``
    each, with the strategy's new state and intents; answers the intents, not yet taken in."""

    event: MarketEvent
    feed: str
    line_no: int = 0
    agents: frozenset[str] | None = None


@dataclass(frozen=True)
class FeedMarket(Command[list[Receipt]]):
    """``ObserveMarket`` as one step, then each intent the strategies gave is submitted
    (taken in and decided as its own step, then its orders sent), as a copy would be."""

    event: MarketEvent
    feed: str
    line_no: int = 0


# -- paired intents (arbitrage) ------------------------------------------------------------


@dataclass(frozen=True)
class AdvancePair(Command[list[UUID]]):
    """Take a pair's next step once its legs' orders are answered: close it, or write ahead a
    retry of the missing leg or an unwind of the one that filled alone; answers the orders
    written ahead (not yet sent)."""

    pair_id: UUID


@dataclass(frozen=True)
class RunPairs(Command[int]):
    """Advance pairs (these, or every open one) and send what each step writes ahead, until
    each waits on a venue or is closed; answers how many orders were sent."""

    pair_ids: tuple[UUID, ...] = ()
