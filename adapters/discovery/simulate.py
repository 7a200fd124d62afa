"""The copy simulation: a candidate's recent trades replayed through Tape's own engine, in
memory, as a follower would have copied them.

Each trade becomes a copy intent of the candidate (``source.trader``), decided ``delay_s``
after the trade by an agent with the follower's sizing and limits, against a book the
slippage model builds at that moment: the trade's price moved against us by
``slippage_pct`` (asks above it for a buy, bids below it for a sell), ``depth`` shares deep,
on a 0.001 grid with the venue's 5-share minimum. Markets the history shows resolved are
settled (the winning token pays 1); the rest are marked at the last book. What a copy would
have earned is the agent's realised plus marked PnL, after the paper fee.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from adapters.bootstrap import simulation_engine
from adapters.clock import ManualClock
from engine.agents import Agent
from engine.checks import show
from engine.config import AgentConfig
from engine.discovery.history import Fill, History
from engine.ids import agent_uuid
from engine.intent import parse_intent
from engine.values import Book, Level

SIM_AGENT = "discovery-copy"
VENUE = "polymarket"
GRID = Decimal("0.001")
SIX = Decimal("0.000001")


@dataclass(frozen=True)
class SimulationRules:
    """How the copy is simulated: its delay, the slippage model, how far back, the fee."""

    delay_s: int = 30
    slippage_pct: Decimal = Decimal("0.5")
    days: int = 30
    depth: Decimal = Decimal(1_000_000)
    fee_rate: Decimal = Decimal(0)
    max_trades: int = 2000  # the most recent ones

    def to_record(self) -> dict[str, str]:
        """The rules as text."""
        return {k: show(v) for k, v in sorted(vars(self).items())}


@dataclass
class SimulationResult:
    """What the copy would have earned, and why."""

    copy_pnl: Decimal = Decimal(0)
    realised_pnl: Decimal = Decimal(0)
    marked_pnl: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    replayed: int = 0
    accepted: int = 0
    denied: Counter[str] = field(default_factory=Counter)
    filled_volume: Decimal = Decimal(0)
    settled_markets: int = 0
    since: str = ""
    curve: list[tuple[datetime, Decimal]] = field(default_factory=list)

    def explain(self, rules: SimulationRules, config: AgentConfig) -> dict[str, Any]:
        """The figure and everything it came from, as ``CandidateScored.simulation``."""
        return {
            "copy_pnl": show(self.copy_pnl),
            "realised_pnl": show(self.realised_pnl),
            "marked_pnl": show(self.marked_pnl),
            "fees": show(self.fees),
            "trades_replayed": self.replayed,
            "copies_accepted": self.accepted,
            "copies_denied": dict(sorted(self.denied.items())),
            "filled_volume_usdc": show(self.filled_volume),
            "markets_settled": self.settled_markets,
            "since": self.since,
            "rules": rules.to_record(),
            "sizing": config.sizing.model_dump(mode="json"),
            "curve": [[at.isoformat(), show(pnl)] for at, pnl in self.curve],
        }


def _book(fill: Fill, rules: SimulationRules, at: datetime) -> Book:
    move = fill.price * rules.slippage_pct / 100
    ask = min((fill.price + move).quantize(GRID, ROUND_CEILING), Decimal("0.999"))
    bid = max((fill.price - move).quantize(GRID, ROUND_FLOOR), GRID)
    return Book(
        venue=VENUE,
        token_id=fill.asset,
        at=at.isoformat().replace("+00:00", "Z"),
        bids=(Level(bid, rules.depth),),
        asks=(Level(max(ask, GRID), rules.depth),),
        tick_size=GRID,
        min_size=Decimal(5),
        size_step=Decimal("0.01"),
        market_id=fill.market,
    )


def _intent(n: int, fill: Fill, wallet: str) -> dict[str, Any]:
    tx = fill.tx_hash if fill.tx_hash.startswith("0x") and len(fill.tx_hash) > 2 else None
    return {
        "schema": "tape.intent/1",
        "intent_id": f"sim:{n}:{fill.asset}:{fill.side}",
        "agent": SIM_AGENT,
        "venue": VENUE,
        "market_id": fill.market,
        "token_id": fill.asset,
        "outcome": fill.outcome or "Yes",
        "side": fill.side,
        "price": str(fill.price.quantize(SIX)),
        "size": str(fill.size.quantize(SIX)),
        "created_at": fill.at.isoformat().replace("+00:00", "Z"),
        "source": {"kind": "copy", "trader": wallet, **({"tx_hash": tx} if tx else {})},
    }


def simulate(
    history: History, config: AgentConfig, rules: SimulationRules, now: datetime
) -> SimulationResult:
    """Replay the last ``rules.days`` of the candidate's trades as copies."""
    since = now - timedelta(days=rules.days)
    fills = sorted((f for f in history.fills if f.at >= since), key=lambda f: (f.at, f.tx_hash))
    fills = fills[-rules.max_trades :]
    result = SimulationResult(since=since.isoformat())
    if not fills:
        return result
    agent = config.model_copy(
        update={"name": SIM_AGENT, "follow": (history.wallet,), "markets": (), "venues": (VENUE,)}
    )
    clock = ManualClock(fills[0].at)
    engine, paper = simulation_engine(rules.fee_rate, clock)
    engine.register_agents([agent])
    delay = timedelta(seconds=rules.delay_s)
    last = fills[0].at
    for at, n, fill, winner in _timeline(history, fills, delay):
        last = max(at, last)
        clock.set(last)
        if fill is not None:
            paper.on_book(_book(fill, rules, last))
            intent = parse_intent(_intent(n, fill, history.wallet))
            engine.submit(intent, feed="discovery", line_no=n)
            result.replayed += 1
        elif winner is not None:
            market, token = winner
            engine.settle(venue=VENUE, market_id=market, winning_token_id=token, at=last)
            result.settled_markets += 1
    _fold(engine.app, result)
    final: Agent = engine.app.repository.get(agent_uuid(SIM_AGENT))
    result.realised_pnl = final.realised_pnl
    result.marked_pnl = final.marked_pnl()
    result.fees = final.fees
    result.copy_pnl = result.realised_pnl + result.marked_pnl
    engine.app.close()
    return result


def _timeline(
    history: History, fills: list[Fill], delay: timedelta
) -> list[tuple[datetime, int, Fill | None, tuple[str, str] | None]]:
    # The copies (each ``delay`` after its trade) and the settlements of the markets traded
    # (at their resolution, never before the market's last copy; unknown: at the end), in
    # time order, a copy before a settlement of the same moment.
    steps: list[tuple[datetime, int, Fill | None, tuple[str, str] | None]] = []
    last_copy: dict[str, datetime] = {}
    for n, fill in enumerate(fills, start=1):
        steps.append((fill.at + delay, n, fill, None))
        last_copy[fill.market] = fill.at + delay
    end = max(last_copy.values())
    when = history.resolved_at()
    for market, token in sorted(history.winners().items()):
        if market in last_copy:
            at = max(when.get(market, end), last_copy[market])
            steps.append((at, len(fills) + 1, None, (market, token)))
    return sorted(steps, key=lambda s: (s[0], s[1]))


def _fold(app: Any, result: SimulationResult) -> None:
    # Verdicts, fills and the realised PnL curve, from the simulation's log.
    realised = Decimal(0)
    start = 1
    while page := app.notification_log.select(start=start, limit=1000):
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            name = type(event).__name__
            if name == "IntentAccepted":
                result.accepted += 1
            elif name == "IntentDenied":
                result.denied[event.reason] += 1
            elif name == "FillBooked":
                result.filled_volume += event.size * event.price
                realised += event.realised_pnl
                result.curve.append((event.timestamp, realised))
            elif name == "PositionSettledBooked":
                realised += event.realised_pnl
                result.curve.append((event.timestamp, realised))
        start = page[-1].id + 1
