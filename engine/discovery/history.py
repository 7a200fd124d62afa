"""A candidate's public history as plain values: fills (maker or taker), redeems, rewards and
closed positions, read from the Data API by ``adapters/discovery/parse.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Fill:
    """One trade of the candidate: a fill of its order, as taker or maker."""

    side: str  # BUY or SELL
    asset: str  # the outcome token
    market: str  # the condition id
    size: Decimal
    price: Decimal
    at: datetime
    tx_hash: str
    maker: bool = False
    title: str = ""
    outcome: str = ""

    @property
    def notional(self) -> Decimal:
        """Price x size, in USDC."""
        return self.price * self.size


@dataclass(frozen=True)
class Redeem:
    """Winning shares of a resolved market turned into USDC."""

    market: str
    usdc: Decimal
    at: datetime


@dataclass(frozen=True)
class ClosedPosition:
    """A position the Data API reports closed: its token, market and ``cur_price`` (1: the
    token won, 0: it lost, between: not resolved)."""

    asset: str
    market: str
    avg_price: Decimal
    total_bought: Decimal
    realized_pnl: Decimal
    cur_price: Decimal
    opposite_asset: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class History:
    """Everything read of one wallet."""

    wallet: str
    fills: tuple[Fill, ...] = ()
    redeems: tuple[Redeem, ...] = ()
    closed: tuple[ClosedPosition, ...] = ()
    rewards_usdc: Decimal = Decimal(0)
    name: str = ""
    board: tuple[dict[str, str], ...] = field(default_factory=tuple)

    def winners(self) -> dict[str, str]:
        """The winning token of each resolved market (from the closed positions)."""
        won: dict[str, str] = {}
        for position in self.closed:
            if position.cur_price == 1:
                won[position.market] = position.asset
            elif position.cur_price == 0 and position.opposite_asset:
                won.setdefault(position.market, position.opposite_asset)
        return won

    def resolved_at(self) -> dict[str, datetime]:
        """When each market was seen resolved: its redeem, else its closed position's time."""
        when: dict[str, datetime] = {}
        for position in self.closed:
            if position.at is not None:
                when[position.market] = max(when.get(position.market, position.at), position.at)
        for redeem in self.redeems:
            when[redeem.market] = redeem.at
        return when
