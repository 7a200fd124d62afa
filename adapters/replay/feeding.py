"""Feeding a fresh engine the inputs that recorded events stand for, one kind at a time.

Inputs are what came from outside: intents as received (and redelivered), the market events
strategies saw (given to the strategies again; what they make of them is compared), unreadable
lines, agents and their rules, the operator's switches, the books each decision used (recorded
in its verdict), the venues' answers (acceptance, rejection, fills, provisional fills confirmed or
voided, cancels, expiries, calls without an answer), the steps of paired intents, discovery runs,
market resolutions and redemptions, each at its recorded time. The comparison of what the engine
then produces with the record is ``adapters/replay/verify.py``'s.
"""

from __future__ import annotations

import tempfile
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from adapters.bootstrap import replay_engine
from adapters.replay.answers import ANSWER_EVENTS, venue_report
from adapters.replay.inputs import Lookahead, RecordedBooks, ReplayClock
from adapters.replay.log import StoredEvent
from engine.agents import Agent
from engine.arbitrage.pair import Pair
from engine.commands import AdvancePair, RecordDiscovery, RegisterAgents, ResolveMarket
from engine.config import AgentConfig
from engine.discovery.candidates import Candidate, candidate_of
from engine.feeds import Feed
from engine.ingest_records import MarketResolution
from engine.intent import TradeIntent, parse_intent, parse_utc, redelivery_stand_in
from engine.intents import Intent
from engine.orders import Order
from engine.ports import VenueReport
from engine.positions import Position
from engine.redemptions import Redemption, redemption_command
from engine.strategies.base import market_event_from_record
from engine.strategies.run import StrategyRun
from engine.values import Book, TradingState

STOP_LOSS_PREFIX = "stop loss:"
RECENT_INTENTS = 10_000
PARSED_KEPT = 100


class InputFeeder:
    """A fresh engine on a scratch store, and how each kind of recorded input is fed to it."""

    def __init__(self, *, agent: str | None = None) -> None:
        self.agent = agent
        # A scratch file, not memory: a long record must not need memory in proportion.
        self._scratch = tempfile.TemporaryDirectory(prefix="tape-replay-")
        self.clock = ReplayClock(datetime.fromtimestamp(0).astimezone())
        self.books = RecordedBooks()
        self.engine = replay_engine(
            Path(self._scratch.name) / "replay.db", market_data=self.books, clock=self.clock
        )
        self.app = self.engine.app
        self.engine.unit.sole_writer = True  # no other process writes the scratch store
        self.inputs: dict[str, int] = {}
        self.last_input = ""  # what the last input fed to the engine was, for messages
        # where each recent intent was received, for messages (bounded: a decision follows
        # its intent closely)
        self.received_at: OrderedDict[UUID, int] = OrderedDict()
        self.parsed: dict[UUID, TradeIntent] = {}  # received intents not yet decided

    def close(self) -> None:
        """Close the fresh engine and remove its scratch store."""
        self.app.close()
        self._scratch.cleanup()

    def _count(self, name: str) -> None:
        self.inputs[name] = self.inputs.get(name, 0) + 1

    def feed(self, stored: StoredEvent, recorded: Lookahead) -> str | None:
        """Feed the input that the recorded event stands for; returns why not, if it cannot."""
        event = stored.event
        self.clock.at = event.timestamp
        self.last_input = (
            f"the input {stored.name} of {stored.originator_id} at log position {stored.position}"
        )
        handler = self._handlers.get(type(event))
        if handler is None or (
            isinstance(event, Agent.TradingStateChanged)
            and event.reason.startswith(STOP_LOSS_PREFIX)
        ):
            return f"the engine did not produce the recorded {stored.name}"
        problem = handler(stored, recorded)
        if problem is None:
            self._count(stored.name)
        return problem

    @property
    def _handlers(self) -> dict[type, Callable[[StoredEvent, Lookahead], str | None]]:
        return {
            Intent.IntentReceived: self._receive,
            Intent.IntentRedelivered: self._redeliver,
            Intent.IntentAccepted: self._decide,
            Intent.IntentDenied: self._decide,
            Intent.IntentBuffered: self._decide,
            Feed.FeedOpened: self._reject_input,
            Feed.InputDenied: self._reject_input,
            Agent.AgentRegistered: self._register,
            Agent.AgentConfigChanged: self._register,
            Agent.TradingStateChanged: self._switch,
            Order.OrderAccepted: self._venue_answer,
            Order.OrderRejected: self._venue_answer,
            Order.OrderFilled: self._venue_answer,
            Order.OrderFillConfirmed: self._venue_answer,
            Order.OrderFillVoided: self._venue_answer,
            Order.OrderCanceled: self._venue_answer,
            Order.OrderDenied: self._deny,
            Order.OrderSubmissionUncertain: self._uncertain,
            Order.OrderExpired: self._expire,
            Position.PositionSettled: self._settle,
            Pair.LegRetried: self._advance_pair,
            Pair.LegUnwinding: self._advance_pair,
            Pair.PairClosed: self._advance_pair,
            Candidate.CandidateObserved: self._discovery,
            Candidate.CandidateScored: self._discovery,
            MarketResolution.MarketResolved: self._resolve,
            Redemption.RedemptionRequested: self._redemption,
            Redemption.RedemptionRetried: self._redemption,
            Redemption.RedemptionSigned: self._redemption,
            Redemption.RedemptionConfirmed: self._redemption,
            Redemption.RedemptionFailed: self._redemption,
            StrategyRun.Started: self._observe,
            StrategyRun.MarketObserved: self._observe,
        }

    def _discovery(self, stored: StoredEvent, recorded: Lookahead) -> None:
        # A discovery run is one command: its candidates are the recorded Candidate events
        # that follow, up to the first event of another run or aggregate type.
        run: str | None = None
        scored = []
        offset = 0
        while (ahead := recorded.peek(offset)) is not None and isinstance(
            ahead.event, Candidate.Event
        ):
            event = ahead.event
            if isinstance(event, Candidate.CandidateScored):
                if run is not None and event.run != run:
                    break
                run = event.run
                scored.append(candidate_of(event))
            offset += 1
        if run is not None:
            self.engine.handle(RecordDiscovery(run, tuple(scored)))

    def _receive(self, stored: StoredEvent, _: Lookahead) -> None:
        event = stored.event
        self.received_at[stored.originator_id] = stored.position
        if len(self.received_at) > RECENT_INTENTS:
            self.received_at.popitem(last=False)
        intent = parse_intent(event.intent)
        # its verdict follows closely: the intent is validated once, not again to decide it
        self.parsed[stored.originator_id] = intent
        if len(self.parsed) > PARSED_KEPT:  # an intent never decided is not kept for long
            self.parsed.pop(next(iter(self.parsed)))
        self.engine.receive(intent, feed=event.feed, line_no=event.line_no)

    def _decide(self, stored: StoredEvent, _: Lookahead) -> None:
        event = stored.event
        self.books.current = Book.from_record(event.book) if event.book else None
        intent: Intent = self.engine.unit.get(event.originator_id)
        self.last_input = (
            f"the input IntentReceived of {intent.intent_id!r} at log position "
            f"{self.received_at.get(stored.originator_id, '?')}, decided on the book recorded "
            f"in its verdict at log position {stored.position}"
        )
        parsed = self.parsed.pop(stored.originator_id, None)
        self.engine.decide(parsed if parsed is not None else parse_intent(intent.intent))

    def _reject_input(self, stored: StoredEvent, recorded: Lookahead) -> str | None:
        following = recorded.peek(1)
        rejected = stored.event
        if isinstance(rejected, Feed.FeedOpened):
            rejected = following.event if following is not None else None
        if not isinstance(rejected, Feed.InputDenied):
            return "a feed was opened without a rejected line"
        self.engine.reject_input(
            feed=rejected.source,
            line_no=rejected.line_no,
            reason=rejected.reason,
            digest=rejected.digest,
        )
        return None

    def _register(self, stored: StoredEvent, _: Lookahead) -> None:
        config = AgentConfig.from_record(stored.event.config)  # as recorded, whoever set it
        self.engine.handle(RegisterAgents((config,), by_command=True))

    def _switch(self, stored: StoredEvent, _: Lookahead) -> None:
        agent: Agent = self.engine.unit.get(stored.originator_id)
        event = stored.event
        self.engine.set_trading_state(agent.name, TradingState(event.state), event.reason)

    def _venue_answer(self, stored: StoredEvent, recorded: Lookahead) -> None:
        self.engine.apply_report(self._answer(stored, recorded))

    def _deny(self, stored: StoredEvent, _: Lookahead) -> None:
        event = stored.event
        self.engine.deny_order(stored.originator_id, reason=event.reason, detail=event.detail)

    def _uncertain(self, stored: StoredEvent, _: Lookahead) -> None:
        self.engine.record_uncertain(stored.originator_id, error=stored.event.error)

    def _expire(self, stored: StoredEvent, _: Lookahead) -> None:
        self.engine.expire_order(stored.originator_id, reason=stored.event.reason)

    def _settle(self, stored: StoredEvent, _: Lookahead) -> None:
        position: Position = self.engine.unit.get(stored.originator_id)
        event = stored.event
        self.engine.settle(
            venue=position.venue,
            market_id=event.market_id,
            winning_token_id=event.winning_token_id,
            at=event.timestamp,
        )

    def _resolve(self, stored: StoredEvent, _: Lookahead) -> None:
        event = stored.event  # a resolution seen live: recorded, then settled (one step)
        self.engine.handle(
            ResolveMarket(event.venue, event.market_id, event.winning_token_id, event.timestamp)
        )

    def _redemption(self, stored: StoredEvent, _: Lookahead) -> None:
        """A redemption's step, as the command that recorded it (the chain's answers are
        inputs, like a venue's)."""
        self.engine.commit()  # a retry reads the first request from the store: commit it first
        self.engine.handle(redemption_command(self.app, stored.originator_id, stored.event))

    def _observe(self, stored: StoredEvent, recorded: Lookahead) -> str | None:
        # A market event a strategy saw is an input: given again, the strategies of every
        # agent it concerns record what they make of it (their intents are taken in as
        # recorded, by ``_receive``).
        observed = stored.event
        if isinstance(observed, StrategyRun.Started):
            following = recorded.peek(1)
            observed = following.event if following is not None else None
        if not isinstance(observed, StrategyRun.MarketObserved):
            return "a strategy run was started without a market event"
        event = market_event_from_record(observed.market, parse_utc(observed.at), observed.at)
        self.engine.observe_market(
            event,
            feed=observed.feed,
            line_no=observed.line_no,
            agents=frozenset({self.agent}) if self.agent is not None else None,
        )
        return None

    def _advance_pair(self, stored: StoredEvent, _: Lookahead) -> None:
        # A pair's step (a retry, an unwind, its close) is the engine's once its legs were
        # answered; when it ran is the input (the answers it read are replayed before it).
        self.engine.handle(AdvancePair(stored.originator_id))

    def _redeliver(self, stored: StoredEvent, _: Lookahead) -> None:
        event = stored.event
        intent_record: Intent = self.engine.unit.get(event.originator_id)
        intent = redelivery_stand_in(
            parse_intent(intent_record.intent), same_payload=event.same_payload
        )
        self.engine.receive(intent, feed=event.feed, line_no=event.line_no)

    def _answer(self, first: StoredEvent, recorded: Lookahead) -> VenueReport:
        """The venue's answer that a run of recorded events of one order stands for."""
        order: Order = self.engine.unit.get(first.originator_id)
        group: list[Any] = []
        offset = 0
        positions = []
        while (item := recorded.peek(offset)) is not None and (
            item.originator_id == first.originator_id and isinstance(item.event, ANSWER_EVENTS)
        ):
            group.append(item.event)
            positions.append(f"{item.name} at log position {item.position}")
            offset += 1
        self.last_input = (
            f"the venue answer for order {first.originator_id} ({', '.join(positions)})"
        )
        return venue_report(order, group)
