"""An agent's rules: who it follows, how it sizes, and the limits the firewall enforces.

The model is pure; reading ``tape.toml`` or the environment is the composition root's job.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from engine.intent import MAX_INTEGER_DIGITS, decimal_from_text
from engine.values import OrderType, dec_str

ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
KEY_SOURCE = re.compile(r"env:[A-Z][A-Z0-9_]{0,63}\*?")
"""Where an agent's keys are: ``env:`` and an environment variable name, or a prefix and ``*``."""


def decimal_from_config(value: Any) -> Decimal:
    """A decimal from a configuration value: a whole number or a plain decimal string, finite,
    bounded; the error never repeats the value."""
    # A whole number is exact in TOML; a float is not, so it must be written as a string.
    # The message never repeats the value: a configuration error names the key only.
    if isinstance(value, int) and not isinstance(value, bool):
        if abs(value) >= 10**MAX_INTEGER_DIGITS:
            raise ValueError(f"has more than {MAX_INTEGER_DIGITS} digits")
        return Decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("must be a finite number")
        return value
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "0.52"')  # noqa: TRY004
    try:
        return decimal_from_text(value)
    except ValueError as error:
        if "digits" in str(error):
            raise
        raise ValueError('must be a decimal string such as "0.52"') from None


def _not_negative_decimal(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


DecimalText = Annotated[
    Decimal, BeforeValidator(decimal_from_config), PlainSerializer(dec_str, return_type=str)
]
Amount = Annotated[DecimalText, AfterValidator(_not_negative_decimal)]
"""A decimal that is never negative (a limit, a price, a size)."""
Count = Annotated[int, Field(strict=True, ge=0, le=10**9)]
"""A whole number of seconds or trades: an integer in TOML, never negative."""


DEFAULT_MAX_CLOCK_SKEW_S = 5
DEFAULT_AGGREGATION_WINDOW_S = 300


class Sizing(BaseModel):
    """How a source trade becomes our order size.

    - ``FIXED``: ``value`` USDC per trade.
    - ``PERCENTAGE``: ``value`` percent of the source's size in shares.
    - ``TIERED``: ``tiers`` of (source notional in USDC from, multiplier of the source size);
      the last tier whose threshold the source notional reaches applies.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["FIXED", "PERCENTAGE", "TIERED"]
    value: DecimalText | None = None
    tiers: tuple[tuple[Amount, Amount], ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> Sizing:
        if self.mode in ("FIXED", "PERCENTAGE"):
            if self.value is None or self.value <= 0:
                raise ValueError(f"sizing {self.mode} needs a positive value")
        elif not self.tiers:
            raise ValueError("sizing TIERED needs tiers = [[from_usdc, multiplier], ...]")
        elif any(t[1] <= 0 for t in self.tiers):
            raise ValueError("sizing tiers need a positive multiplier")
        elif [t[0] for t in self.tiers] != sorted(t[0] for t in self.tiers):
            raise ValueError("sizing tiers must be in ascending order of their thresholds")
        return self


class AgentConfig(BaseModel):
    """Everything that decides one agent's trades. Money is USDC, as decimal strings.

    Attributes:
        name: the agent's name, which intents address.
        strategy: ``copy``, or a strategy of the registry (``engine/strategies/registry.py``:
            ``mean_reversion``, ``momentum``, ...).
        venues: the venues it may trade on.
        follow: trader allowlist (copy); an empty list follows nobody.
        markets: market allowlist; empty allows every market.
        sizing: the sizing rule.
        order_type: time in force of the orders it places (FAK by default: take what the book
            offers within the slippage limit, leave nothing resting).
        max_intent_usdc: firewall size cap on the source trade's notional (buys).
        max_intent_age_s: staleness limit, from the intent's created_at to the engine's clock.
        max_clock_skew_s: how far an intent's created_at may be after the engine's clock
            (denied beyond it: ``clock_skew``); left out of the stored record at its default,
            so logs written before it existed read (and digest) the same.
        max_slippage_pct: how far the book may be from the source price, in percent.
        max_position_usdc: cost of the open position per market, after the order.
        max_trades_per_day: orders placed per UTC day.
        stop_loss_usdc: realised plus marked loss that halts the agent.
        budget_usdc: cost of open positions plus open orders, after the order.
        params: the strategy's parameters, validated by its ``params_model`` and stored in
            their normal form (empty for ``copy``; left out of the stored record then).
        aggregate_small: buffer copies sized below the venue's minimum until they reach it
            (``engine/aggregation.py``); off by default, and left out of the stored record
            when off, so logs without it read (and digest) the same.
        aggregation_window_s: how long a buffer waits for its minimum, in engine time, from
            its first copy (left out of the stored record at its default).
        aggregation_round_up_usdc: a bucket short of the minimum by no more than this (at the
            source price) is rounded up to the minimum and placed at once (0, the default:
            never; left out of the stored record then).
        keys: where its venue keys are, by name only (``env:POLYMARKET_*``: the environment
            variables of that name or prefix); None: its venues' own variables. Never a key.
        set_by: who set these rules last: ``file`` (``tape.toml``, which may change them at
            the next start) or ``api`` (a command over the API; the file then leaves them).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    strategy: str = "copy"
    venues: tuple[str, ...] = ("polymarket",)
    follow: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()
    sizing: Sizing = Field(default_factory=lambda: Sizing(mode="PERCENTAGE", value=Decimal(10)))
    order_type: OrderType = OrderType.FAK
    max_intent_usdc: Amount = Decimal(100)
    max_intent_age_s: Count = 120
    max_clock_skew_s: Count = DEFAULT_MAX_CLOCK_SKEW_S
    max_slippage_pct: Amount = Decimal(2)
    max_position_usdc: Amount = Decimal(500)
    max_trades_per_day: Count = 50
    stop_loss_usdc: Amount = Decimal(200)
    budget_usdc: Amount = Decimal(1000)
    aggregate_small: Annotated[bool, Field(strict=True)] = False
    aggregation_window_s: Count = DEFAULT_AGGREGATION_WINDOW_S
    aggregation_round_up_usdc: Amount = Decimal(0)
    keys: str | None = None
    set_by: Literal["file", "api"] = "file"
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("keys")
    @classmethod
    def _key_source(cls, value: str | None) -> str | None:
        # The message never repeats the value: a key pasted here must not be echoed.
        if value is not None and not KEY_SOURCE.fullmatch(value):
            raise ValueError(
                'must name environment variables, not hold a key: "env:NAME" or "env:PREFIX_*"'
            )
        return value

    @model_validator(mode="before")
    @classmethod
    def _gather_strategy_keys(cls, data: Any) -> Any:
        # A strategy's parameters may be written in ``params = {...}`` or, for the keys the
        # strategy names (``top_level_keys``), directly in the agent's table.
        from engine.strategies.registry import gather_params  # noqa: PLC0415 (a cycle)

        return gather_params(data, fields=frozenset(cls.model_fields))

    @field_validator("strategy")
    @classmethod
    def _known_strategy(cls, value: str) -> str:
        from engine.strategies.registry import check_strategy_name  # noqa: PLC0415 (a cycle)

        return check_strategy_name(value)

    @field_validator("params")
    @classmethod
    def _strategy_params(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from engine.strategies.registry import normalised_params  # noqa: PLC0415 (a cycle)

        return normalised_params(info.data.get("strategy", "copy"), value)

    @field_validator("follow")
    @classmethod
    def _lowercase_addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not all(ADDRESS.fullmatch(a) for a in value):
            raise ValueError("every entry must be a 0x address of 40 hex digits")
        return tuple(sorted({a.lower() for a in value}))

    @field_validator("markets", "venues")
    @classmethod
    def _sorted_unique(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(value)))

    def to_record(self) -> dict[str, Any]:
        """The configuration as JSON-ready data, the form stored in agent events."""
        record = self.model_dump(mode="json")
        if record["max_clock_skew_s"] == DEFAULT_MAX_CLOCK_SKEW_S:
            del record["max_clock_skew_s"]
        if not record["aggregate_small"]:
            del record["aggregate_small"]
        if record["aggregation_window_s"] == DEFAULT_AGGREGATION_WINDOW_S:
            del record["aggregation_window_s"]
        if Decimal(record["aggregation_round_up_usdc"]) == 0:
            del record["aggregation_round_up_usdc"]
        # Left out at their defaults, so logs written before they existed digest the same.
        if record["keys"] is None:
            del record["keys"]
        if record["set_by"] == "file":
            del record["set_by"]
        if not record["params"]:
            del record["params"]  # a copy agent's record is what it was before strategies
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> AgentConfig:
        """Inverse of :meth:`to_record`."""
        return cls.model_validate(record)
