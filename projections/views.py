"""Read models folded from the event log: orders, intents, marks, positions, balances, purchases.

Each view is a pure fold: ``apply(event)`` for every event of the log into ``rows`` (and, for
some views, side tables), mappings from a row key to a row dict. The mappings are plain dicts
when a view is folded in memory (``LogViews.build``, ``--as-of``) and store-backed tables when
it is a tracked projection (``projections/tracking.py``): the same fold serves both, so they
cannot drift apart.

The log may be the union of several logs (one per engine worker, see ``projections/logs.py``)
read in any interleaving, so a fold never looks at where an event sits in its log: a row is
changed only by events of its own aggregate or agent (always in one log, in order), and what
several agents share, the mark of a token, is the book of the latest verdict by time with a
stable tie-break. Rows are listed in time order, ties by key (:func:`in_time_order`).
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from engine.agents import Agent
from engine.intents import Intent
from engine.lots import COST_QUANTUM
from engine.order_states import TERMINAL
from engine.orders import Order
from engine.positions import Position
from engine.values import Book, Side, dec_str
from projections.logs import (
    LogSource,
    read_log,  # noqa: F401 (re-exported: callers find it here)
    read_logs,
)

PRICE_QUANTUM = Decimal("0.000001")
TERMINAL_STATUSES = frozenset(status.value for status in TERMINAL)

Rows = MutableMapping[str, dict[str, Any]]
"""Rows of a view by key: a dict in memory, a store-backed table in a tracked projection."""


def event_name(event: Any) -> str:
    """An event's name as the vocabulary says it (``OrderPlaced``)."""
    return type(event).__name__


def pair_key(agent: str, venue: str) -> str:
    """The row key of an (agent, venue) pair, unambiguous whatever the names hold."""
    return json.dumps([agent, venue])


def _rows() -> Rows:
    return {}


def _key(event: Any) -> str:
    return str(getattr(event, "originator_id", ""))


def time_key(value: datetime) -> str:
    """A time as sortable text (UTC, always with microseconds), the form the ``at`` column
    and the ``--since``/``--until`` filters compare."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def time_seq(value: datetime) -> int:
    """A time as whole microseconds since the epoch: the ``seq`` a row is listed by."""
    delta = value.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def in_time_order(rows: Rows, field_name: str) -> list[dict[str, Any]]:
    """The rows by the time in ``field_name``, ties by row key: the order the projections'
    ``seq`` column gives them, the same whichever way several logs interleaved."""
    return [row for _, row in sorted(rows.items(), key=lambda kv: (kv[1][field_name], kv[0]))]


@dataclass
class OrdersView:
    """Orders with their status, fills and venue ids."""

    rows: Rows = field(default_factory=_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Order.OrderPlaced):
            self.rows[_key(event)] = {
                "order_id": _key(event),
                "intent_id": event.intent_id,
                "agent": event.agent,
                "venue": event.venue,
                "market_id": event.market_id,
                "token_id": event.token_id,
                "outcome": event.outcome,
                "side": event.side,
                "order_type": event.order_type,
                "price": event.price,
                "size": event.size,
                "source_trader": event.source_trader,
                "filled": Decimal(0),
                "fees": Decimal(0),
                "notional_filled": Decimal(0),
                "fills": [],
                "voided": [],
                "status": "PLACED",
                "client_order_id": event.client_order_id,
                "venue_order_id": None,
                "reason": None,
                "placed_at": event.timestamp,
                "updated_at": event.timestamp,
            }
            return
        if not isinstance(event, Order.Event):
            return
        row = self.rows.get(_key(event))
        if row is None:
            return
        row["updated_at"] = event.timestamp
        if isinstance(event, (Order.OrderFilled, Order.OrderFillConfirmed, Order.OrderFillVoided)):
            self._fill_event(row, event)
        elif isinstance(event, Order.OrderAccepted):
            row["status"], row["venue_order_id"] = "ACCEPTED", event.venue_order_id
        elif isinstance(event, Order.OrderRejected):
            row["status"], row["reason"] = "REJECTED", f"{event.code}: {event.message}"
        elif isinstance(event, Order.OrderDenied):
            row["status"], row["reason"] = "DENIED", f"{event.reason}: {event.detail}"
        elif isinstance(event, Order.OrderSubmissionUncertain):
            row["status"], row["reason"] = "UNCERTAIN", event.error
        elif isinstance(event, Order.OrderCanceled):
            row["status"], row["reason"] = "CANCELED", event.reason
        elif isinstance(event, Order.OrderExpired):
            row["status"], row["reason"] = "EXPIRED", event.reason

    def _fill_event(self, row: dict[str, Any], event: Any) -> None:
        if isinstance(event, Order.OrderFilled):
            row["fills"].append(
                {
                    "fill_id": event.fill_id,
                    "venue_fill_id": event.venue_fill_id,
                    "price": event.price,
                    "size": event.size,
                    "fee": event.fee,
                    "provisional": getattr(event, "provisional", False),
                    "at": event.timestamp,
                }
            )
            self._totals(row)
            row["status"] = self._status_after_fills(row)
        elif isinstance(event, Order.OrderFillConfirmed):
            for fill in row["fills"]:
                if fill["fill_id"] == event.fill_id:
                    fill["provisional"] = False
        else:  # OrderFillVoided
            row["fills"] = [f for f in row["fills"] if f["fill_id"] != event.fill_id]
            row["voided"].append(event.fill_id)
            self._totals(row)
            if row["status"] in TERMINAL_STATUSES:  # a closed order stays closed
                row["status"] = "CANCELED"
                row["reason"] = f"a fill was voided after the order closed: {event.reason}"
            else:
                row["status"] = self._status_after_fills(row)

    @staticmethod
    def _totals(row: dict[str, Any]) -> None:
        # Filled size, fees and notional from the fills that count.
        fills = row["fills"]
        row["filled"] = sum((f["size"] for f in fills), Decimal(0))
        row["fees"] = sum((f["fee"] for f in fills), Decimal(0))
        row["notional_filled"] = sum((f["size"] * f["price"] for f in fills), Decimal(0))

    @staticmethod
    def _status_after_fills(row: dict[str, Any]) -> str:
        # The status the fills put an open order in (as Order.status_after_fills).
        if row["filled"] >= row["size"]:
            return "FILLED"
        return "PARTIALLY_FILLED" if row["filled"] > 0 else "ACCEPTED"


@dataclass
class IntentsView:
    """Intents with their verdicts and denial reasons (the failed check with its values)."""

    rows: Rows = field(default_factory=_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Intent.IntentReceived):
            intent = event.intent
            self.rows[_key(event)] = {
                "intent_id": event.intent_id,
                "agent": intent["agent"],
                "venue": intent["venue"],
                "market_id": intent["market_id"],
                "token_id": intent["token_id"],
                "outcome": intent.get("outcome"),
                "side": intent["side"],
                "price": intent["price"],
                "size": intent["size"],
                "source_kind": intent["source"].get("kind"),
                "trader": intent["source"].get("trader"),
                "created_at": intent["created_at"],
                "received_at": event.timestamp,
                "decided_at": None,
                "verdict": "RECEIVED",
                "reason": None,
                "detail": None,
                "failed_values": None,
                "redeliveries": 0,
                "order_ids": [],
            }
            return
        if not isinstance(event, Intent.Event):
            return
        row = self.rows.get(_key(event))
        if row is None:
            return
        if isinstance(event, Intent.IntentAccepted):
            row["verdict"], row["order_ids"] = "ACCEPTED", list(event.order_ids)
            row["decided_at"] = event.timestamp
        elif isinstance(event, Intent.IntentDenied):
            row["verdict"], row["reason"], row["detail"] = "DENIED", event.reason, event.detail
            row["decided_at"] = event.timestamp
            failed = next(
                (c for c in event.checks if c["name"] == event.reason and not c["passed"]), None
            )
            row["failed_values"] = dict(failed["values"]) if failed else None
        elif isinstance(event, Intent.IntentRedelivered):
            row["redeliveries"] += 1


@dataclass
class MarksView:
    """The latest book the engine recorded for each token (what positions are marked at).

    Any agent's verdict may record a token's book, and the agents' verdicts may sit in
    different logs, so "latest" is by the verdict's time, ties broken by the intent's id and
    the verdict's version, never by where a verdict sits in a log: the same mark however the
    logs interleave (over one log in time order, the last book recorded)."""

    rows: Rows = field(default_factory=_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, (Intent.IntentAccepted, Intent.IntentDenied)) and event.book:
            book = Book.from_record(event.book)
            key = pair_key(book.venue, book.token_id)
            found = self.rows.get(key)
            if found is not None and mark_order(found) > (
                event.timestamp,
                _key(event),
                event.originator_version,
            ):
                return
            self.rows[key] = {
                "venue": book.venue,
                "token_id": book.token_id,
                "mark": book.mid(),
                "book_at": book.at,
                "decided_at": event.timestamp,
                "intent_key": _key(event),
                "intent_version": event.originator_version,
            }

    def mark(self, venue: str, token_id: str) -> Decimal | None:
        """The mid of the latest recorded book of a token."""
        row = self.rows.get(pair_key(venue, token_id))
        if row is None:
            return None
        mark: Decimal | None = row["mark"]
        return mark


def mark_order(row: dict[str, Any]) -> tuple[datetime, str, int]:
    """Which of two marks of a token is the later: by the verdict's time, intent and version."""
    return (row["decided_at"], row["intent_key"], row["intent_version"])


@dataclass
class PositionsView:
    """Positions per agent, venue and token: size, average cost, realised and marked PnL."""

    rows: Rows = field(default_factory=_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Position.PositionOpened):
            self.rows[_key(event)] = {
                "agent": event.agent,
                "venue": event.venue,
                "market_id": event.market_id,
                "token_id": event.token_id,
                "outcome": event.outcome,
                "size": Decimal(0),
                "cost": Decimal(0),
                "realised_pnl": Decimal(0),
                "fees": Decimal(0),
                "settled_size": Decimal(0),
                "settled_price": None,
                "settled_at": None,
                "opened_at": event.timestamp,
            }
            return
        if not isinstance(event, Position.Event):
            return
        row = self.rows.get(_key(event))
        if row is None:
            return
        if isinstance(event, Position.PositionIncreased):
            row["size"] += event.size
            row["cost"] += event.price * event.size + event.fee
            row["fees"] += event.fee
        elif isinstance(event, Position.PositionReduced):
            row["size"] -= event.size
            row["cost"] -= event.cost
            row["fees"] += event.fee
            row["realised_pnl"] += event.realised_pnl
        elif isinstance(event, Position.PositionFillVoided):
            row["size"] += event.size
            row["cost"] += event.cost_change
            row["realised_pnl"] += event.realised_pnl_change
            row["fees"] += event.fee_change
        elif isinstance(event, Position.PositionSettled):
            row["size"] -= event.size
            row["cost"] -= event.cost
            row["realised_pnl"] += event.realised_pnl
            row["settled_size"] += event.size
            row["settled_price"] = event.price
            row["settled_at"] = event.timestamp

    def with_marks(self, marks: MarksView) -> list[dict[str, Any]]:
        """Rows with average cost, mark and marked PnL, in a stable order."""
        out = []
        for row in sorted(
            self.rows.values(), key=lambda r: (r["agent"], r["venue"], r["token_id"])
        ):
            mark = marks.mark(row["venue"], row["token_id"])
            size = row["size"]
            out.append(
                {
                    **row,
                    "avg_cost": (row["cost"] / size).quantize(PRICE_QUANTUM)
                    if size
                    else Decimal(0),
                    "mark": mark,
                    "marked_pnl": (size * mark - row["cost"]) if mark is not None else Decimal(0),
                }
            )
        return out


def _new_balance(agent: str, venue: str) -> dict[str, Any]:
    zero = Decimal(0)
    return {
        "agent": agent,
        "venue": venue,
        "cash": zero,
        "bought": zero,
        "sold": zero,
        "settled": zero,
        "fees": zero,
        "realised_pnl": zero,
        "holdings_cost": zero,
        "committed": zero,
        "fills": 0,
    }


@dataclass
class BalancesView:
    """Balances per agent and venue.

    ``rows`` (key: :func:`pair_key`) hold the cash flow (USDC received from sells and
    settlements less USDC paid for buys, fees included), what was bought, sold and settled, the
    fees, the realised PnL, the cost of what is held and what open buy orders still commit.
    Cash, volumes and fees follow the orders' fills (a voided fill gives them back); realised
    PnL, holdings cost and commitments follow the agents' risk books. ``orders`` maps an order to
    its agent, venue, side, open commitment (as ``Agent.commitments`` has it) and fills;
    ``agents`` maps an agent's id to its name and budget.
    """

    rows: Rows = field(default_factory=_rows)
    orders: Rows = field(default_factory=_rows)
    agents: Rows = field(default_factory=_rows)

    def _balance(self, agent: str, venue: str) -> dict[str, Any]:
        key = pair_key(agent, venue)
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = _new_balance(agent, venue)
        return row

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Agent.AgentRegistered):
            self.agents[_key(event)] = {
                "name": event.name,
                "budget": Decimal(str(event.config["budget_usdc"])),
            }
        elif isinstance(event, Agent.AgentConfigChanged):
            agent = self.agents.get(_key(event))
            if agent is not None:
                agent["budget"] = Decimal(str(event.config["budget_usdc"]))
        elif isinstance(event, Order.Event):
            self._order_event(event)
        elif isinstance(event, Agent.Event):
            self._risk_book_event(event)

    def _order_event(self, event: Any) -> None:
        if isinstance(event, Order.OrderPlaced):
            self._balance(event.agent, event.venue)
            self.orders[_key(event)] = {
                "agent": event.agent,
                "venue": event.venue,
                "side": event.side,
                "committed": None,
                "fills": {},
            }
            return
        order = self.orders.get(_key(event))
        if order is None:
            return
        if isinstance(event, Order.OrderFilled):
            notional = event.price * event.size
            cash = (
                -(notional + event.fee) if order["side"] == Side.BUY.value else notional - event.fee
            )
            order["fills"][event.fill_id] = {"cash": cash, "notional": notional, "fee": event.fee}
            self._count_fill(order, cash, notional, event.fee, 1)
        elif isinstance(event, Order.OrderFillVoided):
            fill = order["fills"].pop(event.fill_id, None)
            if fill is not None:
                self._count_fill(order, -fill["cash"], -fill["notional"], -fill["fee"], -1)

    def _count_fill(
        self, order: dict[str, Any], cash: Decimal, notional: Decimal, fee: Decimal, fills: int
    ) -> None:
        row = self._balance(order["agent"], order["venue"])
        row["cash"] += cash
        row["bought" if order["side"] == Side.BUY.value else "sold"] += notional
        row["fees"] += fee
        row["fills"] += fills

    def _risk_book_event(self, event: Any) -> None:
        if isinstance(event, Agent.PositionSettledBooked):
            agent = self.agents.get(_key(event))
            if agent is not None:
                row = self._balance(agent["name"], event.venue)
                row["cash"] += event.payout
                row["settled"] += event.payout
                row["holdings_cost"] -= event.cost
                row["realised_pnl"] += event.realised_pnl
            return
        order = self.orders.get(getattr(event, "order_id", ""))
        if order is None:
            return
        row = self._balance(order["agent"], order["venue"])
        if isinstance(event, Agent.OrderCommitted):
            if event.side == Side.BUY.value:
                self._commit(order, event.notional)
        elif isinstance(event, Agent.FillBooked):
            row["realised_pnl"] += event.realised_pnl
            row["holdings_cost"] += event.cost_change
            if order["committed"] is not None:
                left = order["committed"] - event.price * event.size
                self._commit(order, max(left, Decimal(0)))
        elif isinstance(event, Agent.FillReversed):
            row["realised_pnl"] += event.realised_pnl_change
            row["holdings_cost"] += event.cost_change
        elif isinstance(event, Agent.CommitmentReleased) and order["committed"] is not None:
            self._commit(order, None)

    def _commit(self, order: dict[str, Any], amount: Decimal | None) -> None:
        # Set an order's open commitment (None: released), keeping its balance's total.
        row = self._balance(order["agent"], order["venue"])
        row["committed"] += (amount or Decimal(0)) - (order["committed"] or Decimal(0))
        order["committed"] = amount

    def budgets(self) -> dict[str, Decimal]:
        """Each agent's budget, by name."""
        return {a["name"]: a["budget"] for a in self.agents.values()}

    def with_marks(self, positions: PositionsView, marks: MarksView) -> list[dict[str, Any]]:
        """Rows with marked PnL (positions at the latest recorded books) and the budget left
        (the agent's budget less the cost of its holdings and open commitments, all venues)."""
        marked: dict[str, Decimal] = {}
        for position in positions.rows.values():
            mark = marks.mark(position["venue"], position["token_id"])
            if mark is not None and position["size"]:
                key = pair_key(position["agent"], position["venue"])
                marked[key] = (
                    marked.get(key, Decimal(0)) + position["size"] * mark - position["cost"]
                )
        deployed: dict[str, Decimal] = {}
        for row in self.rows.values():
            deployed[row["agent"]] = (
                deployed.get(row["agent"], Decimal(0)) + row["holdings_cost"] + row["committed"]
            )
        budgets = self.budgets()
        out = []
        for row in sorted(self.rows.values(), key=lambda r: (r["agent"], r["venue"])):
            budget = budgets.get(row["agent"])
            out.append(
                {
                    **row,
                    "marked_pnl": marked.get(pair_key(row["agent"], row["venue"]), Decimal(0)),
                    "budget": budget,
                    "budget_left": budget - deployed[row["agent"]] if budget is not None else None,
                }
            )
        return out


def _shares(
    consumed: list[dict[str, str]], price: Decimal, size: Decimal, fee: Decimal, realised: Decimal
) -> list[Decimal]:
    # The realised PnL of each consumed lot: its part of the proceeds (fee shared by size) less
    # its cost; the last lot takes the rounding rest, so the parts add up to the event's PnL.
    parts: list[Decimal] = []
    for item in consumed[:-1]:
        take = Decimal(item["size"])
        proceeds = (price * take - fee * take / size).quantize(COST_QUANTUM)
        parts.append(proceeds - Decimal(item["cost"]))
    if consumed:
        parts.append(realised - sum(parts, Decimal(0)))
    return parts


@dataclass
class PurchasesView:
    """Purchase history: every buy lot and how later sells (or a settlement) consumed it.

    ``rows`` are lots by lot id (the buy fill's id): agent, venue, token, the trader copied,
    price, size, fee, cost, time, order, what remains, and ``consumed`` (order, fill, size,
    cost, price, realised PnL, time). A voided buy fill leaves its lot VOIDED (nothing remains);
    a voided sell fill gives back what it consumed. ``positions`` maps a position to what it is
    of; ``sells`` maps a sell fill to the lots it consumed.
    """

    rows: Rows = field(default_factory=_rows)
    positions: Rows = field(default_factory=_rows)
    sells: Rows = field(default_factory=_rows)

    def apply(self, event: Any) -> None:
        """Fold one event in."""
        if isinstance(event, Position.PositionOpened):
            self.positions[_key(event)] = {
                "agent": event.agent,
                "venue": event.venue,
                "market_id": event.market_id,
                "token_id": event.token_id,
                "outcome": event.outcome,
            }
        elif isinstance(event, Position.PositionIncreased):
            what = self.positions.get(_key(event))
            if what is None:
                return
            cost = event.price * event.size + event.fee
            self.rows[event.fill_id] = {
                "lot": event.fill_id,
                **what,
                "trader": event.trader,
                "order_id": event.order_id,
                "price": event.price,
                "size": event.size,
                "fee": event.fee,
                "cost": cost,
                "bought_at": event.timestamp,
                "remaining": event.size,
                "remaining_cost": cost,
                "realised_pnl": Decimal(0),
                "consumed": [],
                "status": "OPEN",
            }
        elif isinstance(event, Position.PositionReduced):
            parts = _shares(event.consumed, event.price, event.size, event.fee, event.realised_pnl)
            self._consume(event, "sell", event.order_id, event.fill_id, parts)
            self.sells[event.fill_id] = {"lots": [c["lot"] for c in event.consumed]}
        elif isinstance(event, Position.PositionSettled):
            parts = [event.price * Decimal(c["size"]) - Decimal(c["cost"]) for c in event.consumed]
            self._consume(event, "settlement", None, None, parts)
        elif isinstance(event, Position.PositionFillVoided):
            self._void(event.fill_id)

    def _consume(
        self,
        event: Any,
        kind: str,
        order_id: str | None,
        fill_id: str | None,
        parts: list[Decimal],
    ) -> None:
        for item, realised in zip(event.consumed, parts, strict=True):
            row = self.rows.get(item["lot"])
            if row is None:
                continue
            size, cost = Decimal(item["size"]), Decimal(item["cost"])
            row["consumed"].append(
                {
                    "kind": kind,
                    "order_id": order_id,
                    "fill_id": fill_id,
                    "price": event.price,
                    "size": size,
                    "cost": cost,
                    "realised_pnl": realised,
                    "at": event.timestamp,
                }
            )
            row["remaining"] -= size
            row["remaining_cost"] -= cost
            row["realised_pnl"] += realised
            if row["remaining"] == 0:
                row["status"] = "SETTLED" if kind == "settlement" else "CLOSED"

    def _void(self, fill_id: str) -> None:
        # A voided buy takes out what is left of its lot; a voided sell gives its lots back.
        lot = self.rows.get(fill_id)
        if lot is not None:
            lot["remaining"], lot["remaining_cost"], lot["status"] = (
                Decimal(0),
                Decimal(0),
                "VOIDED",
            )
            return
        sell = self.sells.get(fill_id)
        if sell is None:
            return
        for lot_id in sell["lots"]:
            row = self.rows.get(lot_id)
            if row is None:
                continue
            undone = [c for c in row["consumed"] if c["fill_id"] == fill_id]
            row["consumed"] = [c for c in row["consumed"] if c["fill_id"] != fill_id]
            for item in undone:
                row["remaining"] += item["size"]
                row["remaining_cost"] += item["cost"]
                row["realised_pnl"] -= item["realised_pnl"]
            if row["status"] != "VOIDED" and row["remaining"] > 0:
                row["status"] = "OPEN"
        del self.sells[fill_id]


@dataclass
class LogViews:
    """Every view, folded in one pass over the log."""

    orders: OrdersView = field(default_factory=OrdersView)
    intents: IntentsView = field(default_factory=IntentsView)
    positions: PositionsView = field(default_factory=PositionsView)
    marks: MarksView = field(default_factory=MarksView)
    balances: BalancesView = field(default_factory=BalancesView)
    purchases: PurchasesView = field(default_factory=PurchasesView)
    events: int = 0
    names: dict[str, int] = field(default_factory=dict)

    def apply(self, event: Any) -> None:
        """Fold one event into every view."""
        self.events += 1
        name = event_name(event)
        self.names[name] = self.names.get(name, 0) + 1
        self.orders.apply(event)
        self.intents.apply(event)
        self.positions.apply(event)
        self.marks.apply(event)
        self.balances.apply(event)
        self.purchases.apply(event)

    @classmethod
    def build(
        cls, logs: LogSource | Sequence[LogSource], *, until: datetime | None = None
    ) -> LogViews:
        """Fold the whole log (of one application, or the union of several); with ``until``,
        only the events stamped at or before it (the state as it was at that time)."""
        views = cls()
        for event in read_logs(logs):
            if until is None or event.timestamp <= until:
                views.apply(event)
        return views


def plain(value: Any) -> Any:
    """A row value as JSON-ready data (Decimals as canonical strings, times as RFC 3339,
    UUIDs as text)."""
    if isinstance(value, Decimal):
        return dec_str(value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    return value
