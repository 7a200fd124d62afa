"""The application services: take an intent in, decide it, place its order, apply venue reports.

Each step is its own transaction, in this order, so a crash between two steps leaves a state
the next start can finish from:

1. ``receive``: ``IntentReceived`` (or ``IntentRedelivered``) is saved.
2. ``decide``: the verdict, the ``OrderPlaced`` and the agent's risk book are saved together,
   *before* the venue hears of the order (write-ahead).
3. ``execute``: the venue is called; its answer goes through ``apply_report``.
4. ``apply_report``: acceptance or rejection, fills, positions and the risk book, saved together.
"""

from __future__ import annotations

import contextlib
import functools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.persistence import Tracking

from engine.agents import Agent
from engine.application import TapeApplication
from engine.config import AgentConfig
from engine.decision import AgentView, Decision, DecisionInput, decide
from engine.feeds import Feed
from engine.ids import (
    agent_uuid,
    feed_uuid,
    fill_uuid,
    intent_uuid,
    order_id_of_client_order_id,
    position_uuid,
    reconciliation_uuid,
    trader_holding_uuid,
)
from engine.intent import TradeIntent, parse_intent
from engine.intents import Intent
from engine.orders import Order, OrderStatus
from engine.ports import (
    Clock,
    MarketData,
    OrderRequest,
    VenueFill,
    VenuePort,
    VenueReport,
    VenueUncertainError,
)
from engine.positions import Position
from engine.reconciliations import Reconciliation
from engine.recovery import find_pending_work
from engine.settlement import Settlement, settle_market
from engine.traders import TraderHolding
from engine.unit_of_work import UnitOfWork
from engine.values import OrderType, Side, TradingState

DEFAULT_FAILURE_THRESHOLD = 5

P = ParamSpec("P")
R = TypeVar("R")


def _step(
    method: Callable[Concatenate[TradingEngine, P], R],
) -> Callable[Concatenate[TradingEngine, P], R]:
    """Run an engine method as one step of its unit of work: saved together, or not at all."""

    @functools.wraps(method)
    def in_step(self: TradingEngine, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with self.unit.step():
                return method(self, *args, **kwargs)
        except BaseException:
            self._reopen_discarded_orders()
            raise

    return in_step


@dataclass(frozen=True)
class Recovery:
    """What a start-up finished: how far each feed had been read, what reconciliation did
    (action -> orders), and how many received intents were decided."""

    feed_positions: dict[str, int]
    reconciled: dict[str, int]
    decided: int


@dataclass(frozen=True)
class Receipt:
    """What happened to a submitted intent: taken in, or a redelivery of one already taken."""

    intent_id: str
    status: Literal["received", "duplicate"]


class UnknownOrderError(LookupError):
    """Raised when a venue report names an order Tape never placed."""


class TradingEngine:
    """Handles intents end to end and applies what venues report."""

    def __init__(
        self,
        app: TapeApplication,
        *,
        venues: Mapping[str, VenuePort],
        market_data: MarketData,
        clock: Clock,
        failure_threshold: int = DEFAULT_FAILURE_THRESHOLD,
    ) -> None:
        self.app = app
        self.unit = UnitOfWork(app)
        self.venues = venues
        self.market_data = market_data
        self.clock = clock
        self.failure_threshold = failure_threshold
        self.open_orders: set[UUID] = set()
        self.tripped: list[tuple[str, str]] = []  # (agent, last error) of breakers tripped

    def commit(self) -> None:
        """Commit the steps a group commit deferred (see ``engine.unit_of_work``)."""
        self.unit.flush()

    def _reopen_discarded_orders(self) -> None:
        # A failed step threw away uncommitted venue answers too: their orders are still open
        # in the store, so they go back to the orders to reconcile.
        for aggregate_id in self.unit.discarded:
            with contextlib.suppress(Exception):
                stored: Any = self.app.repository.get(aggregate_id)
                if isinstance(stored, Order) and not stored.is_terminal:
                    self.open_orders.add(aggregate_id)
        self.unit.discarded = set()

    # -- agents ---------------------------------------------------------------------------

    @_step
    def register_agents(self, configs: Sequence[AgentConfig]) -> None:
        """Register new agents and record changed rules of known ones."""
        at = self.clock.now()
        changed = []
        for config in sorted(configs, key=lambda c: c.name):
            agent = self.unit.get_or_none(agent_uuid(config.name))
            if agent is None:
                changed.append(Agent.register(config=config, at=at))
            elif agent.change_config(config=config, at=at):
                changed.append(agent)
        if changed:
            self.unit.add(*changed)

    @_step
    def set_trading_state(self, name: str, state: TradingState, reason: str) -> bool:
        """Activate, reduce or halt an agent; returns whether its state changed."""
        agent = self.unit.get_or_none(agent_uuid(name))
        if agent is None:
            raise LookupError(f"no agent named {name!r}")
        if agent.set_trading_state(state=state, reason=reason, at=self.clock.now()):
            self.unit.add(agent)
            return True
        return False

    # -- intake ---------------------------------------------------------------------------

    def submit(
        self, intent: TradeIntent, *, feed: str, line_no: int = 0, tracking: Tracking | None = None
    ) -> Receipt:
        """Receive an intent and, if it is new, decide it and place its orders. Taking it in
        and deciding it are one transaction (with ``tracking``, the position of the upstream
        event it came from), stored before any venue hears of its orders."""
        try:
            with self.unit.step(tracking):
                receipt = self.receive(intent, feed=feed, line_no=line_no)
                placed = self.decide(intent) if receipt.status == "received" else []
        except BaseException:
            self._reopen_discarded_orders()
            raise
        for order_id in placed:
            self.execute(order_id)
        return receipt

    @_step
    def receive(self, intent: TradeIntent, *, feed: str, line_no: int = 0) -> Receipt:
        """Record the intent durably; a known intent_id is recorded as redelivered, nothing more."""
        wire = intent.to_wire()
        at = self.clock.now()
        existing = self.unit.find(intent_uuid(intent.intent_id))
        if existing is not None:
            existing.redelivered(feed=feed, line_no=line_no, intent=wire, at=at)
            self.unit.add(existing)
            return Receipt(intent.intent_id, "duplicate")
        self.unit.add(
            Intent.receive(
                intent_id=intent.intent_id, intent=wire, feed=feed, line_no=line_no, at=at
            )
        )
        return Receipt(intent.intent_id, "received")

    @_step
    def reject_input(self, *, feed: str, line_no: int, reason: str, digest: str) -> None:
        """Record an input record that could not be taken in."""
        at = self.clock.now()
        record = self.unit.find(feed_uuid(feed)) or Feed.open(source=feed, at=at)
        record.reject(line_no=line_no, reason=reason, digest=digest, at=at)
        self.unit.add(record)

    # -- decision -------------------------------------------------------------------------

    @_step
    def decide(self, intent: TradeIntent) -> list[UUID]:
        """Give a received intent its verdict; returns the orders written ahead (not yet sent)."""
        record = self.unit.get_or_none(intent_uuid(intent.intent_id))
        if record is None or record.decided:
            return []
        now = self._after(record.modified_on)
        agent: Agent | None = self.unit.refresh(agent_uuid(intent.agent))
        position: Position | None = self.unit.find(
            position_uuid(intent.agent, intent.venue, intent.token_id)
        )
        holding = self._trader_holding(intent)
        book = self.market_data.book(intent.venue, intent.token_id, at=now, account=intent.agent)
        decision = decide(
            DecisionInput(
                intent=intent,
                now=now,
                agent=self._agent_view(agent, intent, now.date().isoformat()),
                book=book,
                held_from_trader=self._sellable(agent, position, intent, intent.source.trader),
                held_total=self._sellable(agent, position, intent, None),
                observed_trader_holding=holding.holding if holding is not None else None,
            )
        )
        to_save: list[Any] = [record]
        if holding is None and self._observes_trader(decision, intent):
            holding = TraderHolding.first_seen(
                agent=intent.agent,
                venue=intent.venue,
                trader=intent.source.trader or "",
                token_id=intent.token_id,
                at=now,
            )
        if holding is not None and self._observes_trader(decision, intent):
            holding.observe(
                intent_id=intent.intent_id,
                side=intent.side,
                size=intent.size,
                reported_before=intent.source.trader_position_before,
                at=now,
            )
            to_save.append(holding)
        book_record = book.to_record() if book is not None else None
        sizing_record = decision.sizing.to_record() if decision.sizing is not None else None
        placed: list[UUID] = []
        if decision.accepted and decision.order is not None and agent is not None:
            spec = decision.order
            order = Order.place(
                intent_id=intent.intent_id,
                leg=0,
                agent=intent.agent,
                venue=intent.venue,
                market_id=intent.market_id,
                token_id=intent.token_id,
                outcome=intent.outcome,
                side=spec.side.value,
                order_type=spec.order_type.value,
                price=spec.price,
                size=spec.size,
                source_trader=intent.source.trader,
                at=now,
            )
            record.accept(
                checks=decision.check_records(),
                sizing=sizing_record or {},
                book=book_record,
                order_ids=[str(order.id)],
                at=now,
            )
            agent.commit_order(
                order_id=str(order.id),
                day=now.date().isoformat(),
                market_id=intent.market_id,
                token_id=intent.token_id,
                side=spec.side,
                size=spec.size,
                notional=spec.notional,
                mark=book.mid() if book is not None else None,
                at=now,
            )
            to_save += [order, agent]
            placed.append(order.id)
        else:
            failed = decision.failed
            record.deny(
                reason=failed.name if failed else "no_order",
                detail=failed.detail if failed else "no order to place",
                checks=decision.check_records(),
                sizing=sizing_record,
                book=book_record,
                at=now,
            )
            if decision.halt_reason and agent is not None:
                agent.set_trading_state(
                    state=TradingState.HALTED, reason=f"stop loss: {decision.halt_reason}", at=now
                )
                to_save.append(agent)
        self.unit.add(*to_save)
        return placed

    @_step
    def decide_pending(self, intent_id: str) -> list[UUID]:
        """Decide an intent that was received but has no verdict yet (after a restart)."""
        record = self.unit.get_or_none(intent_uuid(intent_id))
        if record is None or record.decided:
            return []
        return self.decide(parse_intent(record.intent))

    @_step
    def settle(
        self, *, venue: str, market_id: str, winning_token_id: str, at: datetime | None = None
    ) -> Settlement:
        """Settle every position held in a resolved market (see ``engine.settlement``)."""
        self.unit.flush()  # the market's positions are found in the log: commit what is deferred
        return settle_market(
            self.app,
            venue=venue,
            market_id=market_id,
            winning_token_id=winning_token_id,
            at=at or self.clock.now(),
            unit=self.unit,
        )

    # -- execution ------------------------------------------------------------------------

    @_step
    def execute(self, order_id: UUID) -> None:
        """Send a written-ahead order to its venue and record the answer."""
        order: Order = self.unit.get(order_id)
        if order.status != OrderStatus.PLACED:
            return
        venue = self.venues.get(order.venue)
        if venue is None:
            self.apply_report(
                VenueReport(
                    client_order_id=order.client_order_id,
                    accepted=False,
                    reject_code="NO_VENUE",
                    reject_message=f"no adapter for venue {order.venue}",
                )
            )
            return
        self.open_orders.add(order_id)
        self._send(order, venue)

    def _send(self, order: Order, venue: VenuePort) -> None:
        if getattr(venue, "durable", True) or not self.unit.defer:
            self.unit.flush()  # write-ahead: what was decided is stored before the call
        try:
            report = venue.submit(self._request(order), at=self._after(order.modified_on))
        except VenueUncertainError as error:
            self._record_uncertain(order, str(error))
            return
        self.apply_report(report)

    def _request(self, order: Order) -> OrderRequest:
        return OrderRequest(
            client_order_id=order.client_order_id,
            venue=order.venue,
            market_id=order.market_id,
            token_id=order.token_id,
            side=Side(order.side),
            order_type=OrderType(order.order_type),
            price=order.price,
            size=order.size,
            account=order.agent,
        )

    # -- recovery and reconciliation ------------------------------------------------------

    def recover(self) -> Recovery:
        """Finish what a crash left: reconcile every order that is not terminal with its venue,
        then decide the intents that were received without a verdict."""
        work = find_pending_work(self.app)
        self.open_orders = set(work.open_orders)
        actions = Counter(
            self.reconcile(order_id)
            for order_id in sorted(work.open_orders, key=lambda o: (work.open_orders[o], o))
        )
        decided = 0
        for intent_id in work.undecided.values():
            for order_id in self.decide_pending(intent_id):
                self.execute(order_id)
            decided += 1
        return Recovery(dict(work.feed_positions), dict(actions), decided)

    def reconcile_open_orders(self) -> dict[str, int]:
        """Ask the venues about every order not yet terminal (periodically while running)."""
        return dict(Counter(self.reconcile(order_id) for order_id in sorted(self.open_orders)))

    @_step
    def reconcile(self, order_id: UUID) -> str:
        """Ask the order's venue what it knows, record the answer, then apply it. An order the
        venue never saw is resubmitted with the same client order id while it is within the
        agent's staleness limit, else it expires. Returns what was done."""
        order: Order = self.unit.get(order_id)
        if order.is_terminal:
            self.open_orders.discard(order_id)
            return "terminal"
        venue = self.venues.get(order.venue)
        if venue is None:
            return "no venue"
        at = self._after(order.modified_on)
        try:
            report = venue.order_status(order.client_order_id, at=at)
        except VenueUncertainError as error:
            self._count_failure(order.agent, str(error), at)
            return "venue unreachable"
        record = self.unit.find(reconciliation_uuid(str(order_id))) or Reconciliation.open(
            order_id=str(order_id),
            venue=order.venue,
            client_order_id=order.client_order_id,
            at=at,
        )
        if report is not None:
            status = "REJECTED" if not report.accepted else ("CLOSED" if report.closed else "OPEN")
            record.reported(
                found=True, venue_status=status, fills=len(report.fills), action="apply", at=at
            )
            self.unit.add(record)
            self.apply_report(report)
            return "applied"
        return self._reconcile_unseen(order, venue, record, at)

    def _reconcile_unseen(
        self, order: Order, venue: VenuePort, record: Reconciliation, at: datetime
    ) -> str:
        if order.status not in (OrderStatus.PLACED, OrderStatus.UNCERTAIN):
            record.reported(
                found=False, venue_status="UNKNOWN", fills=0, action="none: unknown", at=at
            )
            self.unit.add(record)
            return "unknown at venue"
        agent: Agent = self.unit.get(agent_uuid(order.agent))
        limit = agent.config.max_intent_age_s
        age = (at - order.created_on).total_seconds()
        if age <= limit:
            record.reported(found=False, venue_status="UNKNOWN", fills=0, action="resubmit", at=at)
            self.unit.add(record)
            self._send(order, venue)
            return "resubmitted"
        record.reported(found=False, venue_status="UNKNOWN", fills=0, action="expire", at=at)
        self.unit.add(record)
        self.expire_order(
            order.id,
            reason=(
                f"the venue never received it and it is {age:g}s old, past the {limit}s "
                "staleness limit: not resubmitted"
            ),
        )
        return "expired"

    @_step
    def expire_order(self, order_id: UUID, *, reason: str) -> None:
        """End an order that will not trade further, and free what it had committed."""
        order: Order = self.unit.get(order_id)
        at = self._after(order.modified_on)
        agent: Agent = self.unit.get(agent_uuid(order.agent))
        order.expire(reason=reason, at=at)
        agent.release_commitment(order_id=str(order.id), at=at)
        self.unit.add(order, agent)
        self.open_orders.discard(order.id)

    @_step
    def record_uncertain(self, order_id: UUID, *, error: str) -> None:
        """Record a venue call whose outcome is unknown (timeout, connection error, 5xx)."""
        self._record_uncertain(self.unit.get(order_id), error)

    def poll_venue(self, venue_name: str, *, accounts: frozenset[str] | None = None) -> int:
        """Apply the reports a venue has for us (fills of resting orders); returns how many.
        ``accounts``: only those agents' reports (a worker asks for its partition's)."""
        venue = self.venues.get(venue_name)
        if venue is None:
            return 0
        reports = venue.poll_reports(at=self.clock.now(), accounts=accounts)
        if accounts is not None:  # a venue that cannot filter by agent: keep this store's own
            reports = [r for r in reports if self._knows_order(r.client_order_id)]
        for report in reports:
            self.apply_report(report)
        return len(reports)

    def _knows_order(self, client_order_id: str) -> bool:
        order_id = order_id_of_client_order_id(client_order_id)
        return order_id is not None and self.unit.find(order_id) is not None

    @_step
    def apply_report(self, report: VenueReport) -> None:
        """Record what the venue says of an order: acceptance or rejection, fills, closure."""
        order_id = order_id_of_client_order_id(report.client_order_id)
        order: Order | None = self.unit.find(order_id) if order_id else None
        if order is None:
            raise UnknownOrderError(f"venue reported unknown order {report.client_order_id}")
        at = self._after(order.modified_on)
        agent: Agent = self.unit.get(agent_uuid(order.agent))
        if not report.accepted:
            if order.status in (OrderStatus.PLACED, OrderStatus.UNCERTAIN):
                order.reject(code=report.reject_code, message=report.reject_message, at=at)
                agent.release_commitment(order_id=str(order.id), at=at)
                self.unit.add(order, agent)
            self.open_orders.discard(order.id)
            return
        if order.status in (OrderStatus.PLACED, OrderStatus.UNCERTAIN):
            order.accept(venue_order_id=report.venue_order_id or report.client_order_id, at=at)
        seen = set(order.fills) | set(order.voided)
        new_fills = [
            f for f in report.fills if str(fill_uuid(order.id, f.venue_fill_id)) not in seen
        ]
        position = self.unit.find(position_uuid(order.agent, order.venue, order.token_id))
        if position is None and new_fills:
            position = Position.open(
                agent=order.agent,
                venue=order.venue,
                market_id=order.market_id,
                token_id=order.token_id,
                outcome=order.outcome,
                at=at,
            )
        for fill in new_fills:
            if position is not None:
                self._book_fill(order, position, agent, fill, at)
        if position is not None:
            self._settle_fills(order, position, agent, report, at)
        if report.closed and not order.is_terminal:
            order.cancel(reason=report.close_reason or "closed by the venue", at=at)
        if order.is_terminal:
            agent.release_commitment(order_id=str(order.id), at=at)
            self.open_orders.discard(order.id)
        to_save = [order, agent]
        if position is not None and position.pending_events:
            to_save.append(position)
        self.unit.add(*to_save)

    def _settle_fills(
        self, order: Order, position: Position, agent: Agent, report: VenueReport, at: datetime
    ) -> None:
        """Confirm provisional fills the venue now reports final; void those that failed."""
        for fill in report.fills:
            fill_id = str(fill_uuid(order.id, fill.venue_fill_id))
            known = order.fills.get(fill_id)
            if known is not None and known["provisional"] and not fill.provisional:
                order.confirm_fill(fill_id=fill_id, at=at)
        for venue_fill_id in report.voided_fills:
            fill_id = str(fill_uuid(order.id, venue_fill_id))
            known = order.fills.get(fill_id)
            if known is None or not known["provisional"]:
                continue  # never seen (failed before we saw it), or already final
            order.void_fill(fill_id=fill_id, reason="the venue reports the trade failed", at=at)
            size_change, cost_change, realised_change, fee_change = position.void_fill(
                fill_id=fill_id, at=at
            )
            agent.reverse_fill(
                order_id=str(order.id),
                market_id=order.market_id,
                token_id=order.token_id,
                size_change=size_change,
                cost_change=cost_change,
                realised_pnl_change=realised_change,
                fee_change=fee_change,
                at=at,
            )

    def _book_fill(
        self, order: Order, position: Position, agent: Agent, fill: VenueFill, at: datetime
    ) -> None:
        """One new fill: on the order, the position (a lot in, or lots out) and the risk book."""
        fill_id = str(fill_uuid(order.id, fill.venue_fill_id))
        if not order.fill(
            fill_id=fill_id,
            venue_fill_id=fill.venue_fill_id,
            price=fill.price,
            size=fill.size,
            fee=fill.fee,
            at=at,
            provisional=fill.provisional,
        ):
            return
        side = Side(order.side)
        change = position.increase if side is Side.BUY else position.reduce
        outcome = change(
            order_id=str(order.id),
            fill_id=fill_id,
            trader=order.source_trader,
            price=fill.price,
            size=fill.size,
            fee=fill.fee,
            at=at,
        )
        if outcome is None:  # a buy: a lot in
            cost_change, realised = fill.price * fill.size + fill.fee, Decimal(0)
        else:  # a sell: lots out at their cost
            cost, realised = outcome
            cost_change = -cost
        agent.book_fill(
            order_id=str(order.id),
            market_id=order.market_id,
            token_id=order.token_id,
            side=side,
            size=fill.size,
            price=fill.price,
            fee=fill.fee,
            cost_change=cost_change,
            realised_pnl=realised,
            at=at,
        )

    # -- helpers --------------------------------------------------------------------------

    def _after(self, moment: datetime) -> datetime:
        # An aggregate's events never go back in time: after a restart the day clock has not
        # yet reached the time of the work being finished.
        return max(self.clock.now(), moment)

    def _record_uncertain(self, order: Order, error: str) -> None:
        at = self._after(order.modified_on)
        order.mark_uncertain(error=error, at=at)
        self.unit.add(order)
        self._count_failure(order.agent, error, at)

    def _count_failure(self, agent_name: str, error: str, at: datetime) -> None:
        agent: Agent = self.unit.get(agent_uuid(agent_name))
        if agent.count_venue_failure(error=error, threshold=self.failure_threshold, at=at):
            self.tripped.append((agent_name, error))
        self.unit.add(agent)

    def _agent_view(self, agent: Agent | None, intent: TradeIntent, day: str) -> AgentView | None:
        if agent is None:
            return None
        return AgentView(
            config=agent.config,
            trading_state=TradingState(agent.trading_state),
            trades_today=agent.trades_today(day),
            market_cost=agent.market_cost(intent.market_id),
            deployed=agent.deployed(),
            realised_pnl=agent.realised_pnl,
            marked_pnl=agent.marked_pnl(),
        )

    @staticmethod
    def _sellable(
        agent: Agent | None, position: Position | None, intent: TradeIntent, trader: str | None
    ) -> Decimal:
        # What a new sell may take: held (from the trader, or in all), less what open sells
        # of this token may still take.
        if position is None:
            return Decimal(0)
        free = position.size - (agent.selling_size(intent.token_id) if agent else Decimal(0))
        return max(min(position.held_from(trader), free), Decimal(0))

    def _trader_holding(self, intent: TradeIntent) -> TraderHolding | None:
        if intent.source.kind != "copy" or intent.source.trader is None:
            return None
        holding: TraderHolding | None = self.unit.find(
            trader_holding_uuid(intent.agent, intent.venue, intent.source.trader, intent.token_id)
        )
        return holding

    @staticmethod
    def _observes_trader(decision: Decision, intent: TradeIntent) -> bool:
        # The trader's holdings are followed once it is followed: its trades reached the agent.
        followed = next((c.passed for c in decision.checks if c.name == "trader_allowlist"), False)
        return intent.source.kind == "copy" and intent.source.trader is not None and followed
