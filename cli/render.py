"""Turning rows and trails into text: aligned tables, the run summary, the ``why`` tree."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from projections.audit import Trail
from projections.numbers import number, percent, readable
from projections.rows import event_name, plain

__all__ = ["counts", "money", "number", "percent", "readable", "table", "to_json", "why_tree"]


def to_json(data: Any) -> str:
    """Stable, pretty JSON of rows (Decimals as exact strings)."""
    return json.dumps(plain(data), indent=2, sort_keys=True)


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(readable(v)) for v in value) or "-"
    return str(readable(value))


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """An aligned text table of the chosen columns."""
    if not rows:
        return "(none)"
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(line.rstrip() for line in lines)


def money(value: Decimal) -> str:
    """A USDC amount to the cent, for summaries."""
    return f"{value.quantize(Decimal('0.01')):,}"


def counts(pairs: Iterable[tuple[str, int]]) -> str:
    """``a 3, b 1`` in descending order of count, then name."""
    ordered = sorted(pairs, key=lambda p: (-p[1], p[0]))
    return ", ".join(f"{name} {count}" for name, count in ordered) or "none"


def _levels(levels: list[list[str]], limit: int = 3) -> str:
    shown = ", ".join(f"{p}x{s}" for p, s in levels[:limit])
    more = f" (+{len(levels) - limit} more)" if len(levels) > limit else ""
    return (shown or "empty") + more


def _event_line(event: Any) -> str:
    name = event_name(event)
    at = plain(event.timestamp)
    details = {
        "IntentReceived": lambda e: f"via {e.feed}",
        "IntentRedelivered": lambda e: f"via {e.feed} (same payload: {e.same_payload})",
        "TraderTradeObserved": lambda e: (
            f"trader holding {plain(e.holding_before) or 'unknown'} -> "
            f"{plain(e.holding_after) or 'unknown'}"
        ),
        "OrderPlaced": lambda e: (
            f"{e.order_type} {e.side} {plain(e.size)} @ {plain(e.price)} "
            f"client id {e.client_order_id}"
        ),
        "OrderAccepted": lambda e: f"venue order id {e.venue_order_id}",
        "OrderRejected": lambda e: f"{e.code}: {e.message}",
        "OrderDenied": lambda e: f"{e.reason}: {e.detail}",
        "OrderSubmissionUncertain": lambda e: e.error,
        "OrderFilled": lambda e: (
            f"{plain(e.size)} @ {plain(e.price)} fee {plain(e.fee)} (venue fill {e.venue_fill_id})"
        ),
        "OrderFillVoided": lambda e: f"fill {e.fill_id}: {e.reason}",
        "OrderCanceled": lambda e: f"{plain(e.canceled_size)} unfilled: {e.reason}",
        "OrderExpired": lambda e: e.reason,
        "PositionIncreased": lambda e: f"+{plain(e.size)} @ {plain(e.price)}",
        "PositionReduced": lambda e: (
            f"-{plain(e.size)} @ {plain(e.price)}, cost {plain(e.cost)}, "
            f"realised PnL {plain(e.realised_pnl)}"
        ),
        "OrderCommitted": lambda e: f"day {e.day}: notional {plain(e.notional)} committed",
        "FillBooked": lambda e: f"risk book: {e.side} {plain(e.size)} @ {plain(e.price)}",
        "CommitmentReleased": lambda e: "risk book: commitment released",
        "PairOpened": lambda e: (
            f"{e.direction}: {plain(e.size)} per leg, cost {plain(e.cost)} with fees "
            f"{plain(e.fees)}, edge {plain(e.edge)}; a lone leg: {e.leg_retries} retries, then "
            f"unwound within {plain(e.max_leg_risk_usdc)} USDC"
        ),
        "LegRetried": lambda e: f"leg {e.leg['leg']}: {_pair_leg(e.leg)}; held {_held(e.filled)}",
        "LegUnwinding": lambda e: (
            f"leg {e.leg['leg']}: {_pair_leg(e.leg)}; held {_held(e.filled)}; entry "
            f"{plain(e.entry_cost_per_share.quantize(Decimal('0.0001')))}/share, budget left "
            f"{plain(e.budget_left)}, worst fee {plain(e.worst_fee)}"
        ),
        "PairClosed": lambda e: (
            f"{e.outcome}: {e.reason}; hedged {plain(e.hedged)}, exposed "
            f"{_held(e.exposed) or 'nothing'}, unwind loss {plain(e.unwind_loss)}"
        ),
        "CopyBuffered": lambda e: (
            f"buffered {plain(e.size)} @ source {plain(e.source_price)} under {e.key} "
            f"(minimum {plain(e.min_size)})"
        ),
        "BufferFlushed": lambda e: (
            f"carried by order {e.order_id} of intent {e.intent_id}: {plain(e.order_size)} "
            f"shares with {len(e.intent_ids)} buffered copies, VWAP {plain(e.vwap)}"
        ),
        "BufferExpired": lambda e: (
            f"{e.reason}: {plain(e.size)} shares of {len(e.intent_ids)} copies not placed"
        ),
    }
    detail = details.get(name)
    return f"{name} {at}" + (f"  {detail(event)}" if detail else "")


def _pair_leg(leg: dict[str, Any]) -> str:
    return (
        f"{leg['role']} {leg['side']} {leg['size']} @ {leg['price']} on {leg['venue']} "
        f"{leg['token_id']} (instrument {leg['instrument']})"
    )


def _held(amounts: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(amounts.items()))


def _pair_lines(event: Any) -> list[str]:
    # An arbitrage's pair: the two books it was priced on, each leg's walk and fee, the edge.
    features = event.features
    lines = []
    for n in (0, 1):
        if f"leg{n}_venue" not in features:
            continue
        lines.append(
            f"leg {n} {features[f'leg{n}_venue']} {features[f'leg{n}_token']}: book at "
            f"{features.get(f'leg{n}_book_at')}: bids {features.get(f'leg{n}_bids')} | asks "
            f"{features.get(f'leg{n}_asks')}; average {features.get(f'leg{n}_average_price')},"
            f" limit {features.get(f'leg{n}_limit_price')}, fee {features.get(f'leg{n}_fee')}"
        )
    lines.extend(f"order leg {leg['leg']}: {_pair_leg(leg)}" for leg in event.legs)
    lines.append(
        f"edge: {event.size} pairs pay {event.size}, cost {plain(event.cost)} (fees "
        f"{plain(event.fees)}) -> {plain(event.edge)} vs min_profit_usdc "
        f"{features.get('min_profit_usdc', '?')}"
    )
    return lines


def _verdict_lines(event: Any) -> list[str]:
    lines = []
    if event_name(event) == "IntentDenied":
        lines.append(f"DENIED: {event.reason}: {readable(event.detail)}")
    for item in event.checks:
        mark = "ok  " if item["passed"] else "FAIL"
        values = " ".join(f"{k}={_value(v)}" for k, v in item["values"].items())
        lines.append(f"[{mark}] {item['name']}: {readable(item['detail'])}  ({values})")
    if event.sizing:
        sizing = event.sizing
        values = " ".join(f"{k}={_value(v)}" for k, v in sizing["values"].items())
        lines.append(f"sizing: {readable(sizing['rule'])} -> {number(sizing['size'])}  ({values})")
    if event.book:
        book = event.book
        lines.append(
            f"book at {book['at']}: bids {_levels(book['bids'])} | asks {_levels(book['asks'])}"
            f" (tick {book['tick_size']}, min size {book['min_size']})"
        )
    return lines


def _value(value: Any) -> str:
    # A recorded value as shown: numbers without exponents, lists comma-separated.
    if isinstance(value, list):
        return ",".join(_value(v) for v in value) or "(none)"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return number(value)
    return str(readable(value))


def _branch(lines: list[str], items: list[tuple[str, list[str]]], indent: str) -> None:
    for index, (head, children) in enumerate(items):
        last = index == len(items) - 1
        lines.append(f"{indent}{'`-' if last else '|-'} {head}")
        child_indent = indent + ("   " if last else "|  ")
        for c_index, child in enumerate(children):
            c_last = c_index == len(children) - 1
            lines.append(f"{child_indent}{'`-' if c_last else '|-'} {child}")


def _strategy_lines(source: dict[str, Any]) -> str:
    # A strategy's intent says why: its reason and the feature values that led to it.
    if source.get("kind") != "strategy" or not (source.get("reason") or source.get("features")):
        return ""
    text = f"\n   strategy {source.get('strategy')}: {source.get('reason') or ''}"
    features = source.get("features") or {}
    if features:
        text += "\n   features " + " ".join(f"{k}={v}" for k, v in sorted(features.items()))
    return text


def why_tree(trail: Trail) -> str:
    """The trail as a readable tree."""
    intent = trail.intent or {}
    source = intent.get("source", {})
    head = (
        f"intent {trail.intent_id}\n"
        f"   agent {intent.get('agent')} on {intent.get('venue')}: source {source.get('kind')}"
        f" {source.get('trader') or ''} {intent.get('side')} {intent.get('size')} @ "
        f"{intent.get('price')} of token {intent.get('token_id')} ({intent.get('outcome')}),"
        f" market {intent.get('market_id')}, created {intent.get('created_at')}"
    )
    head += _strategy_lines(source)
    for n, leg in enumerate(intent.get("legs") or []):
        head += (
            f"\n   leg {n}: {leg['side']} {leg['size']} @ {leg['price']} on {leg['venue']} "
            f"token {leg['token_id']} ({leg['outcome']}), market {leg['market_id']}"
        )
    items: list[tuple[str, list[str]]] = []
    for _, event in trail.events:
        name = event_name(event)
        children = (
            _verdict_lines(event)
            if name in ("IntentAccepted", "IntentDenied", "IntentBuffered")
            else []
        )
        if name == "PairOpened":
            children = _pair_lines(event)
        items.append((_event_line(event), children))
    for order_id, events in trail.orders.items():
        items.append((f"order {order_id}", [_event_line(e) for _, e in events]))
    lines = [head]
    _branch(lines, items, "")
    return "\n".join(lines)
