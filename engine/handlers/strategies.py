"""Strategies: a market event (a book or a trade) goes to the strategy of every agent it
concerns; each one's ``StrategyRun`` records the event, the strategy's new state and the
intents it gave; then each intent is submitted like a copy (received and decided as its own
step, through the same firewall, then its orders sent)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.agents import Agent
from engine.commands import FeedMarket, ObserveMarket, Receipt, SubmitIntent
from engine.config import AgentConfig
from engine.handlers.context import EngineContext
from engine.ids import agent_uuid, strategy_run_uuid
from engine.intent import TradeIntent, format_utc
from engine.strategies.base import BookSeen, MarketEvent, Strategy, market_event_record
from engine.strategies.emit import intents_of
from engine.strategies.registry import get_strategy
from engine.strategies.run import StrategyRun


def feed_market(ctx: EngineContext, command: FeedMarket) -> list[Receipt]:
    """Observe (one step), then submit each intent given (a step each, then its orders)."""
    intents = ctx.handle(ObserveMarket(command.event, command.feed, command.line_no))
    return [
        ctx.handle(SubmitIntent(intent, feed=command.feed, line_no=command.line_no))
        for intent in intents
    ]


def observe_market(ctx: EngineContext, command: ObserveMarket) -> list[TradeIntent]:
    """``StrategyRun.MarketObserved`` for every agent whose strategy the event concerns, in
    the order of the agents' names; answers their intents in that order."""
    event = command.event
    now = ctx.clock.now()  # one time for the whole step: replay sets the clock to it
    intents: list[TradeIntent] = []
    for name in sorted(ctx.strategy_roster.catch_up(ctx.app)):
        if command.agents is not None and name not in command.agents:
            continue
        found = _strategy_of(ctx, name)
        if found is None:
            continue
        config, strategy, params = found
        if not strategy.concerns(params, config, event.venue, event.token_id, event.market_id):
            continue
        intents.extend(_observe(ctx, command, now, (config, strategy, params)))
    return intents


def _strategy_of(
    ctx: EngineContext, name: str
) -> tuple[AgentConfig, Strategy[Any, Any], Any] | None:
    # The agent's current rules (another process may have changed them), parsed once per
    # version of its record.
    agent: Agent | None = ctx.unit.refresh(agent_uuid(name))
    if agent is None:
        return None
    cached = ctx.strategy_roster.parsed.get(name)
    if cached is not None and cached[0] is agent.config_record:
        hit: tuple[AgentConfig, Strategy[Any, Any], Any] | None = cached[1]
        return hit
    config = AgentConfig.from_record(agent.config_record)
    strategy = get_strategy(config.strategy)
    found = None if strategy is None else (config, strategy, strategy.parse_params(config.params))
    ctx.strategy_roster.parsed[name] = (agent.config_record, found)
    return found


def _observe(
    ctx: EngineContext,
    command: ObserveMarket,
    now: datetime,
    found: tuple[AgentConfig, Strategy[Any, Any], Any],
) -> list[TradeIntent]:
    config, strategy, params = found
    event = command.event
    run: StrategyRun | None = ctx.unit.find(strategy_run_uuid(config.name))
    if run is None:
        run = StrategyRun.start(agent=config.name, strategy=strategy.name, at=now)
    state = strategy.load_state(params, run.state_for(strategy.name))
    error = ""
    try:
        step = strategy.on_market(params, state, event)
        intents = intents_of(config.name, strategy.name, step.signals, event.at)
        new_state = strategy.dump_state(step.state)
    except Exception as failure:  # a strategy that raises skips the event, never stops us
        error, intents, new_state = type(failure).__name__, [], strategy.dump_state(state)
    run.observe(
        strategy=strategy.name,
        market=market_event_record(event),
        at_text=_at_text(event),
        feed=command.feed,
        line_no=command.line_no,
        state=new_state,
        intents=[intent.to_wire() for intent in intents],
        error=error,
        at=max(now, run.modified_on),
    )
    ctx.unit.add(run)
    return intents


def _at_text(event: MarketEvent) -> str:
    # A book keeps the time as its source wrote it (replay and export-day give it back).
    return event.book.at if isinstance(event, BookSeen) else format_utc(event.at)
