"""Signals become ``tape.intent/1`` intents: ``source.kind = "strategy"``, the strategy's
name, its reason and features, dated at the market event that led to them. The intent id is
natural (agent, token, side, time), so the same market data always gives the same ids, in a
run, a replay or a counterfactual."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from engine.intent import INTENT_SCHEMA, PAIRED_LEGS, TradeIntent, format_utc, parse_intent
from engine.strategies.base import Signal
from engine.values import dec_str


class MultiLegSignalError(ValueError):
    """A signal with other than one leg or a pair of legs (an arbitrage's)."""


def intent_id(agent: str, token_id: str, side: str, at: datetime, index: int) -> str:
    """``strategy:<agent>:<token>:<side>:<time>`` (``:<n>`` for a second one of the same)."""
    base = f"strategy:{agent}:{token_id}:{side}:{format_utc(at)}"
    return base if index == 0 else f"{base}:{index}"


def intents_of(
    agent: str, strategy: str, signals: Sequence[Signal], at: datetime
) -> list[TradeIntent]:
    """One intent per signal, in the order given (a paired signal: one intent with both legs)."""
    intents: list[TradeIntent] = []
    seen: dict[str, int] = {}
    for signal in signals:
        if len(signal.legs) not in (1, PAIRED_LEGS):
            raise MultiLegSignalError(f"a {strategy} signal with {len(signal.legs)} legs")
        leg = signal.legs[0]
        base = intent_id(agent, leg.token_id, leg.side.value, at, 0)
        index = seen.get(base, 0)
        seen[base] = index + 1
        intents.append(
            parse_intent(
                {
                    "schema": INTENT_SCHEMA,
                    "intent_id": intent_id(agent, leg.token_id, leg.side.value, at, index),
                    "agent": agent,
                    "venue": leg.venue,
                    "market_id": leg.market_id,
                    "token_id": leg.token_id,
                    "outcome": leg.outcome,
                    "side": leg.side.value,
                    "price": dec_str(leg.price),
                    "size": dec_str(leg.size),
                    "created_at": format_utc(at),
                    "source": {
                        "kind": "strategy",
                        "strategy": strategy,
                        "reason": signal.reason,
                        "features": dict(signal.features),
                    },
                    **_paired(signal),
                }
            )
        )
    return intents


def _paired(signal: Signal) -> dict[str, Any]:
    # A two-leg signal (an arbitrage) is one intent carrying both legs, the first repeated as
    # the intent's own fields; the deciding handler places both or neither.
    if len(signal.legs) != PAIRED_LEGS:
        return {}
    return {
        "legs": [
            {
                "venue": leg.venue,
                "market_id": leg.market_id,
                "token_id": leg.token_id,
                "outcome": leg.outcome,
                "side": leg.side.value,
                "price": dec_str(leg.price),
                "size": dec_str(leg.size),
            }
            for leg in signal.legs
        ]
    }
