"""The fake exchange's state: markets, others' resting bids, our orders, fills and money."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

D = Decimal
ZERO = Decimal(0)
ONE = D(1)
OPEN = "active"


def price_text(value: Decimal) -> str:
    """A dollar amount as Kalshi writes it (4 dp)."""
    return str(value.quantize(D("0.0001")))


def count_text(value: Decimal) -> str:
    """A count as Kalshi writes it (2 dp)."""
    return str(value.quantize(D("0.01")))


def taker_fee(count: Decimal, yes_price: Decimal, multiplier: Decimal) -> Decimal:
    """Kalshi's taker fee: ceil to the cent of 0.07 C P (1 - P), times the multiplier."""
    raw = D("0.07") * count * yes_price * (ONE - yes_price)
    return raw.quantize(D("0.01"), rounding=ROUND_CEILING) * multiplier


@dataclass
class Market:
    """One binary market and the other traders' resting bids on each leg (price -> count)."""

    ticker: str
    status: str = OPEN
    structure: str = "linear_cent"
    fractional: bool = False
    fee_multiplier: Decimal = ONE
    result: str = ""
    yes_bids: dict[Decimal, Decimal] = field(default_factory=dict)
    no_bids: dict[Decimal, Decimal] = field(default_factory=dict)

    def on_tick(self, yes_price: Decimal) -> bool:
        """Whether a YES price is on this market's grid."""
        if not D("0") < yes_price < ONE:
            return False
        fine = yes_price < D("0.10") or yes_price > D("0.90")
        tick = (
            D("0.001")
            if self.structure == "deci_cent" or (self.structure == "tapered_deci_cent" and fine)
            else D("0.01")
        )
        return yes_price % tick == 0

    def json(self) -> dict[str, Any]:
        """The market object of ``GET /markets/{ticker}``."""
        best_yes = max(self.yes_bids, default=None)
        best_no = max(self.no_bids, default=None)
        return {
            "ticker": self.ticker,
            "event_ticker": self.ticker.rsplit("-", 1)[0],
            "market_type": "binary",
            "status": self.status,
            "result": self.result,
            "price_level_structure": self.structure,
            "fractional_trading_enabled": self.fractional,
            "yes_bid_dollars": price_text(best_yes) if best_yes is not None else "0.0000",
            "yes_ask_dollars": price_text(ONE - best_no) if best_no is not None else "1.0000",
            "notional_value_dollars": "1.0000",
        }

    def orderbook(self) -> dict[str, Any]:
        """``orderbook_fp``: bids per leg, ascending (best LAST)."""

        def levels(bids: dict[Decimal, Decimal]) -> list[list[str]]:
            return [[price_text(p), count_text(bids[p])] for p in sorted(bids) if bids[p] > 0]

        return {
            "orderbook_fp": {
                "yes_dollars": levels(self.yes_bids),
                "no_dollars": levels(self.no_bids),
            }
        }


@dataclass
class Order:
    """One of our orders at the exchange."""

    order_id: str
    client_order_id: str
    user: str
    ticker: str
    side: str  # bid | ask, on the YES leg
    yes_price: Decimal
    count: Decimal
    time_in_force: str
    status: str = "resting"
    filled: Decimal = ZERO
    taker_fees: Decimal = ZERO
    maker_fees: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        """What is left open (0 once canceled or executed)."""
        return D(0) if self.status != "resting" else self.count - self.filled

    def json(self) -> dict[str, Any]:
        """The Order object of ``GET /portfolio/orders``."""
        return {
            "order_id": self.order_id,
            "client_order_id": self.client_order_id,
            "ticker": self.ticker,
            "outcome_side": "yes" if self.side == "bid" else "no",
            "book_side": self.side,
            "type": "limit",
            "status": self.status,
            "yes_price_dollars": price_text(self.yes_price),
            "no_price_dollars": price_text(ONE - self.yes_price),
            "fill_count_fp": count_text(self.filled),
            "remaining_count_fp": count_text(self.remaining),
            "initial_count_fp": count_text(self.count),
            "taker_fees_dollars": price_text(self.taker_fees),
            "maker_fees_dollars": price_text(self.maker_fees),
            "self_trade_prevention_type": "taker_at_cross",
        }


@dataclass
class Fill:
    """One fill of one of our orders."""

    fill_id: str
    order: Order
    count: Decimal
    yes_price: Decimal
    fee: Decimal
    is_taker: bool

    def json(self) -> dict[str, Any]:
        """The Fill object of ``GET /portfolio/fills``."""
        return {
            "fill_id": self.fill_id,
            "trade_id": self.fill_id,
            "order_id": self.order.order_id,
            "ticker": self.order.ticker,
            "market_ticker": self.order.ticker,
            "outcome_side": "yes" if self.order.side == "bid" else "no",
            "book_side": self.order.side,
            "count_fp": count_text(self.count),
            "yes_price_dollars": price_text(self.yes_price),
            "no_price_dollars": price_text(ONE - self.yes_price),
            "is_taker": self.is_taker,
            "fee_cost": price_text(self.fee),
        }


@dataclass
class Account:
    """One API user's money and positions (YES positive, NO negative)."""

    balance: Decimal = ZERO
    positions: dict[str, Decimal] = field(default_factory=dict)
    fees: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class ExchangeState:
    """Everything the fake exchange holds."""

    markets: dict[str, Market] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    accounts: dict[str, Account] = field(default_factory=dict)
    keys: dict[str, Any] = field(default_factory=dict)  # key id -> public key
    lock: threading.RLock = field(default_factory=threading.RLock)
    trading_active: bool = True

    def account(self, user: str) -> Account:
        """The account of a key id."""
        return self.accounts.setdefault(user, Account())
