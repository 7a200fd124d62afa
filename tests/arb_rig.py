"""Builders for the arbitrage tests: a Polymarket market and its Kalshi twin, their books, and
an arbitrage agent's parameters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from engine.arbitrage.fees import KalshiTakerFee, PolymarketFee
from engine.arbitrage.params import ArbParams
from engine.config import AgentConfig
from engine.ports import OrderRequest, VenueFill, VenueReport, VenueUncertainError
from engine.values import Book, Level, Side

D = Decimal
HALF = Decimal("0.5")
ZERO = Decimal(0)
POLY_MARKET = "0x" + "ab" * 32
POLY_YES = "1111"
POLY_NO = "2222"
TICKER = "KXFED-26DEC-T4.25"


def a_pair(**overrides: Any) -> dict[str, Any]:
    """One pair as ``tape.toml`` writes it."""
    pair: dict[str, Any] = {
        "polymarket": POLY_YES,
        "polymarket_no": POLY_NO,
        "polymarket_market": POLY_MARKET,
        "kalshi": TICKER,
    }
    pair.update(overrides)
    return pair


def arb_params(**overrides: Any) -> ArbParams:
    """Parameters of an arbitrage agent on the one pair."""
    raw: dict[str, Any] = {
        "pairs": [a_pair()],
        "min_profit_usdc": "0.50",
        "size": "50",
        "max_leg_risk_usdc": "5",
    }
    raw.update(overrides)
    return ArbParams.model_validate(raw)


def book_of(
    venue: str,
    token_id: str,
    asks: Sequence[tuple[Decimal, Decimal]],
    bids: Sequence[tuple[Decimal, Decimal]] = (),
    *,
    min_size: str = "1",
) -> Book:
    """A book of one token (best level first), on a 0.01 tick and the venue's size step."""
    return Book(
        venue=venue,
        token_id=token_id,
        at="2026-01-30T14:00:00Z",
        bids=tuple(Level(p, s) for p, s in bids),
        asks=tuple(Level(p, s) for p, s in asks),
        tick_size=D("0.01"),
        min_size=D(min_size),
        size_step=D(1) if venue == "kalshi" else D("0.01"),
        market_id=POLY_MARKET if venue == "polymarket" else TICKER,
    )


# -- a venue that fills, part-fills, refuses or loses each leg as it is told ----------------


TICK = D("0.01")


@dataclass(frozen=True)
class Answer:
    """How the venue answers one order: ``fill`` (all), ``part`` (a share of it), ``none``
    (a FAK that found nothing), ``reject``, or ``lost`` (it trades as ``then`` says, but the
    answer times out); ``better``: ticks of price improvement."""

    kind: str
    share: Decimal = HALF
    better: int = 0
    then: str = "fill"


@dataclass
class ScriptedVenue:
    """A venue at the boundary that answers each new order with the next scripted ``Answer``
    (a full fill once the script is used up), charges the venue's fee model on each fill,
    keeps every order it took, answers a known client order id from its ledger and reports
    lost answers when asked."""

    name: str
    polymarket_rate: Decimal = ZERO
    script: list[Answer] = field(default_factory=list)
    ledger: dict[str, VenueReport] = field(default_factory=dict)
    requests: dict[str, OrderRequest] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)  # client order ids, in the order first seen
    durable = True

    def _fee(self, price: Decimal, size: Decimal) -> Decimal:
        if self.name == "kalshi":
            return KalshiTakerFee().fee(price, size)
        return PolymarketFee(self.polymarket_rate).fee(price, size)

    def _trade(self, request: OrderRequest, kind: str, answer: Answer) -> VenueReport:
        cid = request.client_order_id
        if kind == "reject":
            return VenueReport(cid, False, reject_code="VENUE_REJECTED", reject_message="no")
        step = D(1) if self.name == "kalshi" else TICK
        size = {"fill": request.size, "none": D(0)}.get(
            kind, (request.size * answer.share).quantize(step, rounding="ROUND_FLOOR")
        )
        move = TICK * answer.better * (-1 if request.side is Side.BUY else 1)
        price = min(max(request.price + move, TICK), 1 - TICK)
        fills = (VenueFill(f"{cid}:1", price, size, self._fee(price, size)),) if size > 0 else ()
        return VenueReport(cid, True, f"v-{cid}", fills=fills, closed=True, close_reason="FAK")

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """The next scripted answer (a known id: what the ledger holds)."""
        cid = request.client_order_id
        known = self.ledger.get(cid)
        if known is not None:
            return known
        answer = self.script.pop(0) if self.script else Answer("fill")
        self.requests[cid] = request
        self.taken.append(cid)
        kind = answer.then if answer.kind == "lost" else answer.kind
        report = self._trade(request, kind, answer)
        self.ledger[cid] = report
        if answer.kind == "lost":
            raise VenueUncertainError("timeout")
        return report

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """What the ledger holds."""
        return self.ledger.get(client_order_id)

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Nothing rests: every answer is final at once."""
        return []

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Nothing rests to cancel."""
        return self.ledger.get(client_order_id)


ARB_AGENT = "arb"


def arb_agent_config(**overrides: Any) -> AgentConfig:
    """An arbitrage agent on polymarket and kalshi trading the one pair, roomy limits."""
    record: dict[str, Any] = {
        "name": ARB_AGENT,
        "strategy": "arbitrage",
        "venues": ["polymarket", "kalshi"],
        "pairs": [a_pair()],
        "min_profit_usdc": "0.50",
        "size": "20",
        "max_leg_risk_usdc": "5",
        "max_intent_usdc": "100",
        "budget_usdc": "1000",
    }
    record.update(overrides)
    return AgentConfig.model_validate(record)


def four_books(
    poly_yes: Sequence[tuple[str, str]],
    poly_no: Sequence[tuple[str, str]],
    kalshi_yes: Sequence[tuple[str, str]],
    kalshi_no: Sequence[tuple[str, str]],
    *,
    at: str = "2026-01-30T14:00:00Z",
) -> list[Book]:
    """The four books of the pair (asks only; bids one tick under the best ask)."""
    out = []
    for venue, token, asks in (
        ("polymarket", POLY_YES, poly_yes),
        ("polymarket", POLY_NO, poly_no),
        ("kalshi", f"{TICKER}:yes", kalshi_yes),
        ("kalshi", f"{TICKER}:no", kalshi_no),
    ):
        levels = [(D(p), D(s)) for p, s in asks]
        bids = [(levels[0][0] - TICK, D(100))] if levels and levels[0][0] > TICK else []
        book = book_of(venue, token, levels, bids, min_size="5" if venue == "polymarket" else "1")
        out.append(replace(book, at=at))
    return out
