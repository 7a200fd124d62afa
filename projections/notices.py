"""Notices: what an owner is told about an event of the log (a fill, a denial, a breaker trip...).

A notice is built from one event and the read models' rows of what it is about (the order, the
intent, the agent), so its agent, venue, market and side are the ones ``tape orders`` and
``tape intents`` show, and its numbers are the event's own (the fill's price, size and fee,
which are the fill rows of the orders view). Nothing here reads a clock or does I/O: the same
log gives the same notices, in the same order, with the same ids, however often it is read.

Denials are coalesced (see :class:`DenialGroup`): a burst becomes one notice such as "12
denials in 5 min: 9 staleness, 3 size_cap".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from engine.agents import Agent
from engine.intents import Intent
from engine.orders import Order
from projections.numbers import number, readable

KINDS = (
    "fill",
    "denial",
    "rejected",
    "uncertain",
    "breaker",
    "halted",
    "stop_loss",
    "settlement",
    "daily_summary",
    "test",
)
LOUDNESS = ("on", "silent", "off")
MESSAGE_MAX = 400  # a venue's or an operator's free text is cut to this in a notice


class Lookup(Protocol):
    """The read-model rows a notice is built from (None: not in the read models)."""

    def order(self, order_key: str) -> dict[str, Any] | None:
        """The orders view's row of an order (key: the order's aggregate id)."""

    def intent(self, intent_key: str) -> dict[str, Any] | None:
        """The intents view's row of an intent (key: the intent's aggregate id)."""

    def agent_name(self, agent_key: str) -> str | None:
        """The name of an agent (key: the agent's aggregate id)."""


@dataclass(frozen=True)
class Notice:
    """One message to every channel: its kind, the id of the event it is about (a channel's
    idempotency key), when that happened, a one-paragraph text and the same as data."""

    kind: str
    event_id: str
    at: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)
    why_id: str | None = None  # the id ``tape why`` (and the dashboard's why page) takes

    def to_json(self) -> dict[str, Any]:
        """The notice as JSON-native data (a webhook's body, an outbox row)."""
        return {
            "kind": self.kind,
            "event_id": self.event_id,
            "at": self.at,
            "text": self.text,
            "data": dict(self.data),
            "why_id": self.why_id,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Notice:
        """A notice read back from :meth:`to_json`."""
        return cls(
            kind=str(data["kind"]),
            event_id=str(data["event_id"]),
            at=str(data["at"]),
            text=str(data["text"]),
            data=dict(data.get("data") or {}),
            why_id=data.get("why_id"),
        )


def event_id(event: Any) -> str:
    """An event's id: its aggregate and version (unique in every log, the same on replay)."""
    return f"{event.originator_id}:{event.originator_version}"


def _at(event: Any) -> str:
    return str(event.timestamp.isoformat())


def _num(value: Any) -> str:
    return number(value) if value is not None else "?"


def _cut(text: str) -> str:
    text = readable(text)  # the recorded text's numbers as people write them
    return text if len(text) <= MESSAGE_MAX else text[: MESSAGE_MAX - 1] + "…"


def _order_words(row: Mapping[str, Any] | None) -> tuple[str, str]:
    if row is None:
        return "?", "an unknown order"
    outcome = f" {row['outcome']}" if row.get("outcome") else ""
    return str(row["agent"]), f"{row['side']}{outcome} on {row['venue']} {row['market_id']}"


def notice_for(event: Any, lookup: Lookup) -> Notice | None:
    """The notice an event makes (None: an event nobody is told about). Denials other than
    stop loss are returned as kind ``denial`` for the caller to coalesce."""
    if isinstance(event, Order.Event):
        return _order_notice(event, lookup)
    if isinstance(event, Intent.IntentDenied):
        row = lookup.intent(str(event.originator_id))
        agent = str(row["agent"]) if row else "?"
        data = {"agent": agent, "reason": event.reason, "detail": _cut(event.detail)}
        intent_id = str(row["intent_id"]) if row else None
        if event.reason == "stop_loss":
            text = f"Stop loss: {agent} is halted ({_cut(event.detail)})"
            return Notice("stop_loss", event_id(event), _at(event), text, data, intent_id)
        text = f"Denied: {agent} {event.reason} ({_cut(event.detail)})"
        return Notice("denial", event_id(event), _at(event), text, data, intent_id)
    if isinstance(event, Agent.Event):
        return _agent_notice(event, lookup)
    return None


def _order_notice(event: Any, lookup: Lookup) -> Notice | None:
    row = lookup.order(str(event.originator_id))
    agent, what = _order_words(row)
    why = str(row["intent_id"]) if row else None
    base: dict[str, Any] = {"agent": agent, "order_id": str(event.originator_id)}
    if row is not None:
        base |= {k: row[k] for k in ("venue", "market_id", "token_id", "side", "outcome")}
    if isinstance(event, Order.OrderFilled):
        state = " (provisional)" if event.provisional else ""
        text = (
            f"Fill: {agent} {what}: {_num(event.size)} @ {_num(event.price)}, "
            f"fee {_num(event.fee)}{state}"
        )
        data = base | {
            "price": _num(event.price),
            "size": _num(event.size),
            "fee": _num(event.fee),
            "provisional": bool(event.provisional),
        }
        return Notice("fill", event_id(event), _at(event), text, data, why)
    if isinstance(event, Order.OrderRejected):
        text = f"Rejected by the venue: {agent} {what}: {event.code} {_cut(event.message)}"
        data = base | {"code": event.code, "message": _cut(event.message)}
        return Notice("rejected", event_id(event), _at(event), text, data, why)
    if isinstance(event, Order.OrderSubmissionUncertain):
        text = f"Uncertain order: {agent} {what}: {_cut(event.error)} (reconciling)"
        data = base | {"error": _cut(event.error)}
        return Notice("uncertain", event_id(event), _at(event), text, data, why)
    return None


def _agent_notice(event: Any, lookup: Lookup) -> Notice | None:
    agent = lookup.agent_name(str(event.originator_id)) or "?"
    if isinstance(event, Agent.CircuitBreakerTripped):
        text = (
            f"Breaker tripped: {agent} halted after {event.failures} venue failures "
            f"(last: {_cut(event.last_error)})"
        )
        data = {"agent": agent, "failures": event.failures, "last_error": _cut(event.last_error)}
        return Notice("breaker", event_id(event), _at(event), text, data)
    if isinstance(event, Agent.TradingStateChanged) and event.state in ("HALTED", "REDUCING"):
        text = f"Agent {agent} is {event.state.lower()}: {_cut(event.reason)}"
        data = {"agent": agent, "state": event.state, "reason": _cut(event.reason)}
        return Notice("halted", event_id(event), _at(event), text, data)
    if isinstance(event, Agent.PositionSettledBooked):
        text = (
            f"Settled: {agent} {event.venue} {event.market_id}: {_num(event.size)} shares at "
            f"{_num(event.price)}, payout {_num(event.payout)}, PnL {_num(event.realised_pnl)}"
        )
        data = {
            "agent": agent,
            "venue": event.venue,
            "market_id": event.market_id,
            "token_id": event.token_id,
            "size": _num(event.size),
            "price": _num(event.price),
            "payout": _num(event.payout),
            "realised_pnl": _num(event.realised_pnl),
        }
        return Notice("settlement", event_id(event), _at(event), text, data)
    return None


@dataclass
class DenialGroup:
    """Denials gathered over a window of event time, told as one notice. The group opens at
    its first denial and takes every denial until ``first_at + window``; the first event after
    that closes it (or the caller, once the log has been quiet that long)."""

    first_id: str
    first_at: str
    count: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    agents: dict[str, int] = field(default_factory=dict)
    last_at: str = ""

    @classmethod
    def open(cls, notice: Notice) -> DenialGroup:
        """A group holding one denial."""
        group = cls(notice.event_id, notice.at)
        group.add(notice)
        return group

    def takes(self, at: str, window: timedelta) -> bool:
        """Whether an event at ``at`` falls inside this group's window."""
        return datetime.fromisoformat(at) <= datetime.fromisoformat(self.first_at) + window

    def add(self, notice: Notice) -> None:
        """Count one more denial."""
        self.count += 1
        reason = str(notice.data.get("reason"))
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        agent = str(notice.data.get("agent"))
        self.agents[agent] = self.agents.get(agent, 0) + 1
        self.last_at = notice.at

    def notice(self) -> Notice:
        """The group told as one notice (its id: the first denial's event id)."""
        span = datetime.fromisoformat(self.last_at) - datetime.fromisoformat(self.first_at)
        minutes = max(1, round(span.total_seconds() / 60))
        by_reason = ", ".join(f"{n} {r}" for r, n in Counter(self.reasons).most_common())
        agents = ", ".join(sorted(self.agents))
        noun = "denial" if self.count == 1 else "denials"
        text = f"{self.count} {noun} in {minutes} min: {by_reason} (agents: {agents})"
        data = {"count": self.count, "reasons": dict(self.reasons), "agents": dict(self.agents)}
        return Notice("denial", self.first_id, self.first_at, text, data)

    def to_json(self) -> dict[str, Any]:
        """The open group as JSON-native data (kept in the outbox between pages)."""
        return {
            "first_id": self.first_id,
            "first_at": self.first_at,
            "count": self.count,
            "reasons": self.reasons,
            "agents": self.agents,
            "last_at": self.last_at,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DenialGroup:
        """An open group read back."""
        return cls(
            str(data["first_id"]),
            str(data["first_at"]),
            int(data["count"]),
            dict(data["reasons"]),
            dict(data["agents"]),
            str(data["last_at"]),
        )


def daily_summary(report: Any) -> Notice:
    """The day's result from the day report (``tape report``'s numbers): PnL per agent."""
    lines = [f"Day {report.day.isoformat()}: PnL {_num(report.total_pnl)}"]
    agents = {}
    for row in report.agents:
        lines.append(f"  {row['agent']}: {_num(row['day_pnl'])}")
        agents[str(row["agent"])] = _num(row["day_pnl"])
    denials = sum(int(d.get("count", 0)) for d in report.denials)
    lines.append(f"  denials: {denials}")
    data = {"day": report.day.isoformat(), "total_pnl": _num(report.total_pnl), "agents": agents}
    at = report.end.isoformat()
    return Notice("daily_summary", f"day:{report.day.isoformat()}", at, "\n".join(lines), data)
