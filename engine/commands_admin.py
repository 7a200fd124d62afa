"""Commands of owners and operators: settlement, agents' rules and trading states, cancels,
live resolutions and redemptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from engine.command import Command
from engine.config import AgentConfig
from engine.settlement import Settlement
from engine.values import TradingState

# -- settlement and administration ---------------------------------------------------------


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


# -- operator controls: cancel requests, live resolutions ----------------------------------


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
