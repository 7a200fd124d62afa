"""From Data API activity rows to ``tape.intent/1`` intents.

Only ``TRADE`` rows are trades; every other type (REDEEM, REWARD, MAKER_REBATE, ...) is ignored.
One transaction can hold several fills of the same token and side (the trader's order matched
several makers): rows with the same ``transactionHash``, ``asset`` and ``side`` are folded into
one trade with the total size and the volume-weighted price, and become one intent whose id is
``copy:<transactionHash>:<asset>:<side>``. The token and outcome are the ones the trader traded;
BUY and SELL are never mapped onto Yes and No.

Precision. The API's numbers are binary floats rendered as their shortest decimal text; the client
keeps that text exactly (``Decimal``, never a Python float). Then:

- sizes are rounded (half-even) to 6 decimal places: conditional tokens have 6 decimals on chain,
  so this recovers the exact traded amount and drops float noise (``2538.2661200000002`` ->
  ``2538.26612``); a folded size is the exact sum of its fills' sizes;
- the price is the volume-weighted mean of the fills' prices (weights: the rounded sizes),
  computed with 50 significant digits and rounded half-even to 12 decimal places: far below any
  tick (0.001 at the finest), and every price of at most 12 decimals (all the fixtures but the
  sub-tick averages of aggregated fills) passes through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Any

from adapters.polymarket_data.client import row_time
from engine.intent import INTENT_SCHEMA, TradeIntent, format_utc, parse_intent
from engine.values import dec_str

SIZE_QUANTUM = Decimal("0.000001")
PRICE_QUANTUM = Decimal("0.000000000001")
VENUE = "polymarket"
_WIDE = Context(prec=50)


class RowError(ValueError):
    """A TRADE row that cannot be read; the message says which field."""


def to_decimal(value: Any, field: str) -> Decimal:
    """A JSON number or numeric string as a Decimal (a float goes through its repr)."""
    if isinstance(value, bool):
        raise RowError(f"{field}: not a number: {value!r}")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except (TypeError, ValueError, InvalidOperation):
        raise RowError(f"{field}: not a number: {value!r}") from None
    if not number.is_finite():
        raise RowError(f"{field}: not a finite number: {value!r}")
    return number


@dataclass(frozen=True)
class Fill:
    """One TRADE row: one fill of the trader's order."""

    tx_hash: str
    asset: str
    side: str
    outcome: str
    condition_id: str
    timestamp: int
    size: Decimal
    price: Decimal


def intent_id_of(tx_hash: str, asset: str, side: str, part: int = 0) -> str:
    """The id of the intent copying one order of a trader: ``copy:<tx>:<token>:<side>``, and
    ``...:<n>`` for the n-th part of it whose fills showed up after the first was emitted."""
    base = f"copy:{tx_hash}:{asset}:{side}"
    return base if part == 0 else f"{base}:{part}"


@dataclass(frozen=True)
class Trade:
    """The fills of one order of the trader (one transaction, token and side), folded."""

    tx_hash: str
    asset: str
    side: str
    outcome: str
    condition_id: str
    timestamp: int
    size: Decimal
    price: Decimal
    fills: int
    notional: Decimal | None = None  # the exact sum of price x size over the fills
    part: int = 0  # 0: the order as first seen; n: the n-th late part of it

    @property
    def intent_id(self) -> str:
        """``copy:<tx_hash>:<asset>:<side>`` (``:<n>`` for a late part)."""
        return intent_id_of(self.tx_hash, self.asset, self.side, self.part)

    def late_part(self, copied: Decimal, copied_notional: Decimal | None, part: int) -> Trade:
        """What of this order was not yet copied (``copied`` shares were, worth
        ``copied_notional``), as its ``part``-th follow-up: the late fills' size at their
        volume-weighted price (the whole order's price when the copied notional is unknown)."""
        size = self.size - copied
        price = self.price
        if copied_notional is not None and self.notional is not None:
            late = _WIDE.divide(self.notional - copied_notional, size)
            price = late.quantize(PRICE_QUANTUM, ROUND_HALF_EVEN)
        return replace(self, size=size, price=price, notional=None, part=part)

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        """Trade time first, then the natural key: the order intents are emitted in."""
        return (self.timestamp, self.tx_hash, self.asset, self.side)

    def signed_size(self) -> Decimal:
        """What the trade did to the trader's holding of the token."""
        return self.size if self.side == "BUY" else -self.size


def _text(row: Mapping[str, Any], field: str) -> str:
    value = row.get(field)
    if not isinstance(value, str) or not value.strip():
        raise RowError(f"{field}: missing")
    return value


def parse_fill(row: Mapping[str, Any]) -> Fill | None:
    """A TRADE row as a Fill; None for any other activity type; RowError when unreadable."""
    if row.get("type", "TRADE") != "TRADE":
        return None
    side = row.get("side")
    if side not in ("BUY", "SELL"):
        raise RowError(f"side: {side!r} is not BUY or SELL")
    return Fill(
        tx_hash=_text(row, "transactionHash"),
        asset=_text(row, "asset"),
        side=str(side),
        outcome=_text(row, "outcome"),
        condition_id=_text(row, "conditionId"),
        timestamp=row_time(row),
        size=to_decimal(row.get("size"), "size").quantize(SIZE_QUANTUM, ROUND_HALF_EVEN),
        price=to_decimal(row.get("price"), "price"),
    )


def fold(fills: Iterable[Fill]) -> list[Trade]:
    """One Trade per (transaction, asset, side), sorted by time then key."""
    groups: dict[tuple[str, str, str], list[Fill]] = {}
    for fill in fills:
        groups.setdefault((fill.tx_hash, fill.asset, fill.side), []).append(fill)
    trades = []
    for (tx_hash, asset, side), members in groups.items():
        size = sum((f.size for f in members), Decimal(0))
        if size > 0:
            weighted = sum((_WIDE.multiply(f.price, f.size) for f in members), Decimal(0))
            price = _WIDE.divide(weighted, size).quantize(PRICE_QUANTUM, ROUND_HALF_EVEN)
        else:
            price = members[0].price
        first = min(members, key=lambda f: f.timestamp)
        trades.append(
            Trade(
                tx_hash=tx_hash,
                asset=asset,
                side=side,
                outcome=first.outcome,
                condition_id=first.condition_id,
                timestamp=first.timestamp,
                size=size,
                price=price,
                fills=len(members),
                notional=sum((_WIDE.multiply(f.price, f.size) for f in members), Decimal(0)),
            )
        )
    return sorted(trades, key=lambda t: t.sort_key)


def to_intent(
    trade: Trade, *, agent: str | None, trader: str, position_before: Decimal | None
) -> TradeIntent:
    """The ``tape.intent/1`` intent for a folded trade; IntentFormatError if it is not valid
    (for example a zero size or a price of 0 or 1). ``agent`` None: a signal, for every copy
    agent following the trader."""
    source: dict[str, Any] = {"kind": "copy", "trader": trader.lower(), "tx_hash": trade.tx_hash}
    if position_before is not None:
        source["trader_position_before"] = dec_str(position_before)
    addressed = {"agent": agent} if agent is not None else {}
    return parse_intent(
        {
            "schema": INTENT_SCHEMA,
            "intent_id": trade.intent_id,
            **addressed,
            "venue": VENUE,
            "market_id": trade.condition_id,
            "token_id": trade.asset,
            "outcome": trade.outcome,
            "side": trade.side,
            "price": dec_str(trade.price),
            "size": dec_str(trade.size),
            "created_at": format_utc(datetime.fromtimestamp(trade.timestamp, tz=UTC)),
            "source": source,
        }
    )
