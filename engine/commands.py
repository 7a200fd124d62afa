"""The engine's inputs as named commands, and what some of them answer.

Each command is a frozen dataclass that says what is asked, not how: ``TradingEngine.handle``
sends it to its handler (``engine/handlers/``). ``Command[R]`` names what the handler returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar
from uuid import UUID

from eventsourcing.persistence import Tracking

from engine.config import AgentConfig
from engine.discovery.candidates import ScoredCandidate
from engine.intent import TradeIntent
from engine.ports import VenueReport
from engine.settlement import Settlement
from engine.strategies.base import MarketEvent
from engine.values import TradingState

R = TypeVar("R")


class Command(Generic[R]):
    """A request to the engine whose handler returns an ``R``."""


@dataclass(frozen=True)
class Receipt:
    """What happened to a submitted intent: taken in, or a redelivery of one already taken.

    A signal (an intent without ``agent``) is taken in once per follower of its trader:
    ``intent_ids`` names those intents (``<signal id>@<agent>``), and its status is
    ``received`` when any of them is new, ``duplicate`` when all were known, ``unfollowed``
    when no copy agent follows the trader (recorded as a denied input)."""

    intent_id: str
    status: Literal["received", "duplicate", "unfollowed"]
    intent_ids: tuple[str, ...] = ()

    @property
    def to_decide(self) -> tuple[str, ...]:
        """The intents this receipt took in (or found again), which a runner decides."""
        return self.intent_ids or (self.intent_id,)


@dataclass(frozen=True)
class Recovery:
    """What a start-up finished: how far each feed had been read, what reconciliation did
    (action -> orders), and how many received intents were decided."""

    feed_positions: dict[str, int]
    reconciled: dict[str, int]
    decided: int


# -- intake ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmitIntent(Command[Receipt]):
    """Take an intent in and, if new, decide it (one step, with ``tracking``), then send its
    orders."""

    intent: TradeIntent
    feed: str
    line_no: int = 0
    tracking: Tracking | None = None


@dataclass(frozen=True)
class ReceiveIntent(Command[Receipt]):
    """Record an intent durably (a known intent id is recorded as redelivered)."""

    intent: TradeIntent
    feed: str
    line_no: int = 0


@dataclass(frozen=True)
class RecordUnreadableInput(Command[None]):
    """Record an input record that could not be read (``Feed.InputDenied``)."""

    feed: str
    line_no: int
    reason: str
    digest: str


# -- deciding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecideIntent(Command[list[UUID]]):
    """Give a received intent its verdict; answers the orders written ahead."""

    intent: TradeIntent


@dataclass(frozen=True)
class DecidePending(Command[list[UUID]]):
    """Decide an intent received without a verdict (after a restart), by its intent id."""

    intent_id: str


# -- execution and venue answers ------------------------------------------------------------


@dataclass(frozen=True)
class ExecuteOrder(Command[None]):
    """Send a written-ahead order to its venue and record the answer."""

    order_id: UUID


@dataclass(frozen=True)
class DenyOrder(Command[None]):
    """Refuse to send an order (no adapter for its venue, or the adapter refused it before
    sending): ``Order.OrderDenied``, and its commitment is released."""

    order_id: UUID
    reason: str
    detail: str


@dataclass(frozen=True)
class RecordUncertain(Command[None]):
    """Record a venue call whose outcome is unknown (timeout, connection error, 5xx)."""

    order_id: UUID
    error: str


@dataclass(frozen=True)
class ApplyVenueReport(Command[None]):
    """Record what a venue says of an order: acceptance or rejection, fills, closure."""

    report: VenueReport


@dataclass(frozen=True)
class PollVenue(Command[int]):
    """Apply the reports a venue has for us (of ``accounts`` only, when given)."""

    venue: str
    accounts: frozenset[str] | None = None


# -- reconciliation and recovery ------------------------------------------------------------


@dataclass(frozen=True)
class ReconcileOrder(Command[str]):
    """Ask an order's venue what it knows and act on it; answers what was done."""

    order_id: UUID


@dataclass(frozen=True)
class ReconcileOpenOrders(Command[dict[str, int]]):
    """Reconcile every order not yet terminal; answers action -> orders."""


@dataclass(frozen=True)
class ExpireOrder(Command[None]):
    """End an order that will not trade further, and free what it had committed."""

    order_id: UUID
    reason: str


@dataclass(frozen=True)
class Recover(Command[Recovery]):
    """Finish what a crash left: reconcile open orders, decide undecided intents."""


# -- settlement and administration ----------------------------------------------------------


@dataclass(frozen=True)
class SettleMarket(Command[Settlement]):
    """Settle every position held in a resolved market."""

    venue: str
    market_id: str
    winning_token_id: str
    at: datetime | None = None


@dataclass(frozen=True)
class RegisterAgents(Command[None]):
    """Register new agents and record changed rules of known ones (``AgentConfigChanged``).
    ``by_command``: an owner's command (the API, a replay of what was recorded); False: a
    configuration file, which leaves rules a command set (``set_by="api"``) alone."""

    configs: tuple[AgentConfig, ...]
    by_command: bool = False


@dataclass(frozen=True)
class SetTradingState(Command[bool]):
    """Activate, reduce or halt an agent; answers whether its state changed."""

    name: str
    state: TradingState
    reason: str


@dataclass(frozen=True)
class CancelOrder(Command[str]):
    """Ask an open order's venue to cancel it and apply the answer (only ``agent``'s order,
    when given); answers what was done."""

    order_id: UUID
    agent: str | None = None


@dataclass(frozen=True)
class CancelAgentOrders(Command[dict[str, int]]):
    """Cancel every open order of an agent (a halt does); answers action -> orders."""

    agent: str


# -- paired intents (arbitrage) -------------------------------------------------------------


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


# -- discovery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordDiscovery(Command[dict[str, int]]):
    """Rank a discovery run's candidates and record each (``Candidate.CandidateScored``);
    answers the ranks of those that passed every filter."""

    run: str
    candidates: tuple[ScoredCandidate, ...]


@dataclass(frozen=True)
class ChangeFollowList(Command[bool]):
    """Follow (or stop following) a trader's wallet: the agent's ``follow`` list changes
    (``AgentConfigChanged``); answers whether it changed."""

    agent: str
    wallet: str
    follow: bool = True


# -- operator controls: cancel requests, live resolutions -----------------------------------


@dataclass(frozen=True)
class RequestCancel(Command[str]):
    """Cancel one open order at its venue on an operator's behalf (``tape orders cancel``, a
    halt or reduce, a flatten), recording the request and the venue's answer beside the order
    (``Reconciliation.VenueReported``); only ``agent``'s order, when given. Answers what was
    done."""

    order_id: UUID
    reason: str
    agent: str | None = None


@dataclass(frozen=True)
class ResolveMarket(Command[Settlement]):
    """A resolution seen live (Gamma's closed market, Kalshi's settlement result): recorded
    once as ``MarketResolution.MarketResolved``, then the market settled as a day file's
    ``resolution`` record settles it."""

    venue: str
    market_id: str
    winning_token_id: str
    at: datetime | None = None


@dataclass(frozen=True)
class RequestRedemption(Command[UUID]):
    """Record that a resolved market's winning shares are to be redeemed on chain
    (``Redemption.RedemptionRequested``, or ``RedemptionRetried`` after a failure); answers the
    redemption's id."""

    venue: str
    market_id: str
    winning_token_id: str
    holders: tuple[tuple[str, str], ...]  # (agent, size) as text
    funder: str
    contract: str
    index_sets: tuple[int, ...]


@dataclass(frozen=True)
class RecordRedemptionSigned(Command[None]):
    """The redemption's transaction, signed, before it is broadcast."""

    redemption_id: UUID
    tx_hash: str
    nonce: int
    raw_tx: str


@dataclass(frozen=True)
class RecordRedemptionOutcome(Command[None]):
    """What the chain answered: mined (``block_number``) or failed (``reason``)."""

    redemption_id: UUID
    tx_hash: str
    confirmed: bool
    block_number: int = 0
    reason: str = ""


# -- strategies -----------------------------------------------------------------------------


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
