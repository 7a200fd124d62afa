"""An arbitrage agent's parameters (``tape.toml``), validated: the pairs it trades, the
profit it needs after fees, its size per leg and the loss it accepts on a leg that filled
alone."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from engine.config import AgentConfig, Amount, Count

_CONDITION = re.compile(r"0x[0-9a-fA-F]+")
_TOKEN = re.compile(r"[0-9]+")
_TICKER = re.compile(r"[A-Z0-9][A-Z0-9._-]*")


class ArbPair(BaseModel):
    """One event on both venues: the Polymarket market and its YES and NO tokens, and the
    Kalshi ticker. ``inverted``: Kalshi's YES is Polymarket's NO (the questions are asked the
    other way round)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    polymarket: str = Field(description="the Polymarket YES token id")
    polymarket_no: str = Field(description="the Polymarket NO token id")
    polymarket_market: str = Field(description="the Polymarket condition id (0x...)")
    kalshi: str = Field(description="the Kalshi market ticker")
    inverted: bool = False

    @field_validator("polymarket", "polymarket_no")
    @classmethod
    def _token(cls, value: str) -> str:
        if not _TOKEN.fullmatch(value):
            raise ValueError("must be a Polymarket CLOB token id (decimal digits)")
        return value

    @field_validator("polymarket_market")
    @classmethod
    def _condition(cls, value: str) -> str:
        if not _CONDITION.fullmatch(value):
            raise ValueError("must be a Polymarket condition id (0x...)")
        return value

    @field_validator("kalshi")
    @classmethod
    def _ticker(cls, value: str) -> str:
        if not _TICKER.fullmatch(value):
            raise ValueError("must be a Kalshi market ticker such as KXFED-26DEC-T4.25")
        return value

    @model_validator(mode="after")
    def _distinct_tokens(self) -> ArbPair:
        if self.polymarket == self.polymarket_no:
            raise ValueError("polymarket and polymarket_no must be different tokens")
        return self

    @property
    def key(self) -> str:
        """The pair's name in intents and features."""
        return f"{self.polymarket_market}~{self.kalshi}"

    def kalshi_token(self, polymarket_outcome: str) -> str:
        """The Kalshi instrument that pays when the Polymarket outcome pays."""
        same = polymarket_outcome == "yes"
        if self.inverted:
            same = not same
        return f"{self.kalshi}:{'yes' if same else 'no'}"


class ArbParams(BaseModel):
    """Parameters of the ``arbitrage`` strategy.

    Attributes:
        pairs: the events it trades, each on both venues.
        min_profit_usdc: the edge after both venues' fees a paired trade must exceed.
        size: contracts/shares per leg (equal on both legs); less when the books are thinner.
        max_leg_risk_usdc: the most a leg that filled alone may lose when it is unwound.
        leg_retries: how often the missing leg is retried (at its price limit) before the
            filled one is unwound.
        unwind_attempts: how many unwind orders may be sent, each within what is left of the
            loss budget; what is still held after them is reported as exposed.
        window_s: at most one paired trade per pair in each window of this many seconds
            (windows aligned to the epoch, so the same books always give the same trades
            and a higher ``min_profit_usdc`` never takes more).
        max_book_age_s: a pair is priced only on books at most this old (the other venue's
            book may not have moved for a while; a stale one is no price to trade on).
        polymarket_fee_rate: Polymarket's taker rate, as the repo's fee model charges it
            (``rate x price x size``); 0 as ``[paper] fee_rate`` by default.
        kalshi_fee_multiplier: the Kalshi series' fee multiplier (1 on most series).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    pairs: tuple[ArbPair, ...]
    min_profit_usdc: Amount
    size: Amount
    max_leg_risk_usdc: Amount
    leg_retries: Count = 1
    unwind_attempts: Count = 2
    window_s: Count = Field(default=60, strict=True, ge=1, le=10**9)
    max_book_age_s: Count = 30
    polymarket_fee_rate: Amount = Decimal(0)
    kalshi_fee_multiplier: Amount = Decimal(1)

    @field_validator("pairs")
    @classmethod
    def _some_pairs(cls, value: tuple[ArbPair, ...]) -> tuple[ArbPair, ...]:
        if not value:
            raise ValueError("list at least one pair")
        return value

    @field_validator("size")
    @classmethod
    def _whole_contracts(cls, value: Decimal) -> Decimal:
        if value < 1 or value != value.to_integral_value():
            raise ValueError("must be a whole number of contracts, at least 1")
        return value

    @field_validator("polymarket_fee_rate")
    @classmethod
    def _rate_below_one(cls, value: Decimal) -> Decimal:
        if value >= 1:
            raise ValueError("must be below 1")
        return value

    @model_validator(mode="after")
    def _distinct_pairs(self) -> ArbParams:
        keys = [p.key for p in self.pairs]
        if len(set(keys)) != len(keys):
            raise ValueError("a pair is listed twice")
        return self

    def to_record(self) -> dict[str, Any]:
        """The parameters as JSON-ready data."""
        return self.model_dump(mode="json")


def arb_params_of(config: AgentConfig) -> ArbParams | None:
    """The arbitrage parameters of an agent, or None when it is not an arbitrage agent."""
    if config.strategy != "arbitrage":
        return None
    raw = getattr(config, "params", None) or {}
    try:
        return ArbParams.model_validate(raw)
    except ValidationError:
        return None
