"""The day report: PnL per agent, per strategy and per copied trader, denials by reason, slippage
paid, and the cumulative PnL through the day, all folded from the log.

A day is a UTC calendar day. Its PnL is the change of realised plus marked PnL between the day's
start and its end (holdings marked at the latest recorded book, as ``tape positions`` does), so
the PnL of holdings bought earlier counts from where it stood at midnight. Per trader, PnL
follows the lots: each buy lot belongs to the trader it copied, and a sell's or settlement's
realised PnL is split over the lots it consumed. Slippage paid is, per fill, how much worse than
the copied trader's own price it traded (buys above it, sells below it), times the size.

Over several logs (the engine's workers) the events are merged by time, so the state before the
day is complete when the day starts; the curve has one point per agent and moment (the value
after every event of that moment), which is the same however the logs interleave.

The PnL totals the report compares (per agent, per trader, per strategy) are
``projections/pnl_totals.py``'s; this module folds the day and assembles the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from engine.agents import Agent
from engine.ids import intent_uuid, order_uuid
from engine.intents import VERDICTS, Intent
from engine.orders import Order
from engine.positions import Position
from engine.values import Side
from projections.logs import LogSource, as_sources, read_merged
from projections.pnl_totals import (
    NO_TRADER,
    Totals,
    agent_total,
    agent_totals,
    strategy_totals,
    trader_totals,
)
from projections.views import LogViews

__all__ = [
    "NO_TRADER",
    "DayReport",
    "EmptyLogError",
    "Totals",
    "agent_totals",
    "day_report",
    "last_event_day",
    "strategy_totals",
    "trader_totals",
]


class EmptyLogError(LookupError):
    """Raised when a report is asked of a store with no events."""


@dataclass
class _Activity:
    fills: int = 0
    volume: Decimal = Decimal(0)
    fees: Decimal = Decimal(0)
    slippage: Decimal = Decimal(0)


@dataclass
class DayReport:
    """What one day did: PnL per agent and trader, denials, slippage, and the PnL curve."""

    day: date
    start: datetime
    end: datetime
    events: int
    agents: list[dict[str, Any]] = field(default_factory=list)
    traders: list[dict[str, Any]] = field(default_factory=list)
    denials: list[dict[str, Any]] = field(default_factory=list)
    curve: dict[str, list[tuple[datetime, Decimal]]] = field(default_factory=dict)
    strategies: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_pnl(self) -> Decimal:
        """The day's PnL over every agent."""
        return sum((a["day_pnl"] for a in self.agents), Decimal(0))

    @property
    def slippage(self) -> Decimal:
        """The slippage paid over every agent."""
        return sum((a["slippage"] for a in self.agents), Decimal(0))

    def to_json(self) -> dict[str, Any]:
        """The report as data."""
        return {
            "day": self.day.isoformat(),
            "start": self.start,
            "end": self.end,
            "events": self.events,
            "total_pnl": self.total_pnl,
            "slippage": self.slippage,
            "agents": self.agents,
            "traders": self.traders,
            "denials": self.denials,
            "strategies": self.strategies,
            "curve": {
                agent: [{"at": at, "pnl": pnl} for at, pnl in points]
                for agent, points in self.curve.items()
            },
        }


def last_event_day(logs: LogSource | Sequence[LogSource]) -> date:
    """The UTC day of the last event (of the latest of the logs' last events)."""
    stamps: list[datetime] = []
    for log in as_sources(logs):
        last = log.recorder.max_notification_id()
        if not last:
            continue
        (notification,) = log.recorder.select_notifications(start=last, limit=1)
        event: Any = log.mapper.to_domain_event(notification)
        stamps.append(event.timestamp)
    if not stamps:
        raise EmptyLogError("the store has no events yet: run a day first")
    return max(stamps).astimezone(UTC).date()


class _DayFold:
    """The fold behind a report: the state at the day's start and end, and what happened."""

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start, self.end = start, end
        self.before = LogViews()  # events stamped before the day
        self.after = LogViews()  # events stamped before the day's end
        self.events = 0
        self.activity: dict[str, _Activity] = {}
        self.fills: dict[str, tuple[str, _Activity]] = {}  # the day's fills, by fill id
        self.denials: Counter[tuple[str, str]] = Counter()
        self.curve: dict[str, list[tuple[datetime, Decimal]]] = {}
        self.baseline: dict[str, Decimal] | None = None
        self.strategy_of: dict[str, str] = {}  # agent -> its strategy (its latest rules)
        self._agent_names: dict[Any, str] = {}

    def apply(self, event: Any) -> None:
        if isinstance(event, Agent.AgentRegistered):
            self._agent_names[event.originator_id] = event.name
        if isinstance(event, (Agent.AgentRegistered, Agent.AgentConfigChanged)):
            name = self._agent_names.get(event.originator_id)
            if name is not None:
                self.strategy_of[name] = str(event.config.get("strategy", "copy"))
        stamp = event.timestamp
        if stamp < self.start:
            self.before.apply(event)
        if stamp >= self.end:
            return
        self.after.apply(event)
        if stamp < self.start:
            return
        if self.baseline is None:
            self.baseline = {a: t.total for a, t in agent_totals(self.before).items()}
        self.events += 1
        if isinstance(event, Intent.IntentDenied):
            row = self.after.intents.rows[str(event.originator_id)]
            self.denials[(event.reason, row["agent"])] += 1
        elif isinstance(event, Order.OrderFilled):
            self._fill(event)
        elif isinstance(event, Order.OrderFillVoided):
            self._unfill(event.fill_id)
        self._points(event)

    def _fill(self, event: Any) -> None:
        order = self.after.orders.rows[str(event.originator_id)]
        intent = self.after.intents.rows.get(str(intent_uuid(order["intent_id"])))
        slippage = Decimal(0)
        if intent is not None:
            source = Decimal(intent["price"])
            if order["order_id"] != str(order_uuid(order["intent_id"], 0)):
                # another leg of a paired intent (an arbitrage's second leg, a retry, an
                # unwind): its own price limit is what it was decided at
                source = Decimal(order["price"])
            buy = order["side"] == Side.BUY.value
            slippage = (event.price - source if buy else source - event.price) * event.size
        fill = _Activity(1, event.price * event.size, event.fee, slippage)
        self.fills[event.fill_id] = (order["agent"], fill)
        self._count(order["agent"], fill, 1)

    def _unfill(self, fill_id: str) -> None:
        # A voided fill of the day no longer counts.
        counted = self.fills.pop(fill_id, None)
        if counted is not None:
            self._count(counted[0], counted[1], -1)

    def _count(self, agent: str, fill: _Activity, sign: int) -> None:
        activity = self.activity.setdefault(agent, _Activity())
        activity.fills += sign * fill.fills
        activity.volume += sign * fill.volume
        activity.fees += sign * fill.fees
        activity.slippage += sign * fill.slippage

    def _points(self, event: Any) -> None:
        # The agents whose PnL the event may have moved: the position's, or every agent that
        # holds a token whose mark a recorded book just changed.
        agents: set[str] = set()
        if isinstance(event, Position.Event):
            row = self.after.positions.rows.get(str(event.originator_id))
            if row is not None:
                agents.add(row["agent"])
        elif isinstance(event, VERDICTS) and event.book:
            venue, token = event.book["venue"], event.book["token_id"]
            agents = {
                r["agent"]
                for r in self.after.positions.rows.values()
                if r["venue"] == venue and r["token_id"] == token and r["size"]
            }
        for agent in sorted(agents):
            base = (self.baseline or {}).get(agent, Decimal(0))
            value = agent_total(self.after, agent) - base
            points = self.curve.setdefault(agent, [(event.timestamp, Decimal(0))])
            if len(points) > 1 and points[-1][0] == event.timestamp:
                points.pop()  # one point per moment: the value after all of its events
            if points[-1][1] != value:
                points.append((event.timestamp, value))


def day_report(logs: LogSource | Sequence[LogSource], day: date | None = None) -> DayReport:
    """Fold the log (of one application, or the union of several) into the report of ``day``
    (default: the day of the last event)."""
    day = day or last_event_day(logs)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    fold = _DayFold(start, end)
    for event in read_merged(logs):
        fold.apply(event)
    first = agent_totals(fold.before)
    last = agent_totals(fold.after)
    agents = []
    for agent in sorted(set(last) | set(fold.activity)):
        was, now = first.get(agent, Totals()), last.get(agent, Totals())
        activity = fold.activity.get(agent, _Activity())
        agents.append(
            {
                "agent": agent,
                "realised": now.realised - was.realised,
                "marked": now.marked,
                "day_pnl": now.total - was.total,
                "fills": activity.fills,
                "volume": activity.volume,
                "fees": activity.fees,
                "slippage": activity.slippage,
            }
        )
    first_t, last_t = trader_totals(fold.before), trader_totals(fold.after)
    traders = []
    for agent, trader in sorted(set(last_t)):
        was, now = first_t.get((agent, trader), Totals()), last_t[(agent, trader)]
        traders.append(
            {
                "agent": agent,
                "trader": trader,
                "realised": now.realised - was.realised,
                "marked": now.marked,
                "day_pnl": now.total - was.total,
            }
        )
    by_reason: dict[str, Counter[str]] = {}
    for (reason, agent), count in fold.denials.items():
        by_reason.setdefault(reason, Counter())[agent] += count
    ranked = sorted(by_reason.items(), key=lambda kv: (-kv[1].total(), kv[0]))
    denials = [
        {"reason": reason, "count": per.total(), "agents": dict(sorted(per.items()))}
        for reason, per in ranked
    ]
    strategies = strategy_totals(agents, fold.strategy_of)
    return DayReport(day, start, end, fold.events, agents, traders, denials, fold.curve, strategies)
