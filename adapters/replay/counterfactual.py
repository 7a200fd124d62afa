"""``tape replay --config other.toml``: the recorded day again under other rules, filled by the
paper venue against the recorded books, and what changed: verdicts, orders, fills, PnL."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from adapters.bootstrap import counterfactual_engine
from adapters.clock import ManualClock
from adapters.config_file import TapeConfig
from adapters.day_runner import DayRunner
from adapters.dayfile import BadLine, read_day
from adapters.replay.export import export_day
from engine.application import TapeApplication
from projections.rows import plain
from projections.views import LogViews


@dataclass(frozen=True)
class Outcome:
    """What a run decided: verdicts and orders by intent, and PnL by agent."""

    verdicts: dict[str, tuple[str, str | None, str | None]]  # intent -> (verdict, reason, detail)
    orders: dict[str, dict[str, Any]]  # intent -> order row
    pnl: dict[str, tuple[Decimal, Decimal]]  # agent -> (realised, marked)


def outcome_of(app: TapeApplication) -> Outcome:
    """Read a run's outcome from its log."""
    views = LogViews.build(app)
    verdicts = {
        row["intent_id"]: (row["verdict"], row["reason"], row["detail"])
        for row in views.intents.rows.values()
    }
    orders = {row["intent_id"]: row for row in views.orders.rows.values()}
    realised: defaultdict[str, Decimal] = defaultdict(Decimal)
    marked: defaultdict[str, Decimal] = defaultdict(Decimal)
    for row in views.positions.with_marks(views.marks):
        realised[row["agent"]] += row["realised_pnl"]
        marked[row["agent"]] += row["marked_pnl"]
    agents = sorted(set(realised) | {row["agent"] for row in views.intents.rows.values()})
    return Outcome(verdicts, orders, {a: (realised[a], marked[a]) for a in agents})


@dataclass
class Diff:
    """What the other rules changed."""

    verdicts: list[dict[str, Any]] = field(default_factory=list)
    orders_added: list[dict[str, Any]] = field(default_factory=list)
    orders_removed: list[dict[str, Any]] = field(default_factory=list)
    orders_resized: list[dict[str, Any]] = field(default_factory=list)
    fills_changed: list[dict[str, Any]] = field(default_factory=list)
    pnl: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The diff as JSON-ready data."""
        return plain(self.__dict__)  # type: ignore[no-any-return]


def _order_brief(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("intent_id", "agent", "side", "price", "size", "filled", "status")
    return {k: row[k] for k in keys}


def compare(before: Outcome, after: Outcome) -> Diff:
    """The differences between two outcomes of the same inputs."""
    diff = Diff()
    for intent_id in sorted(set(before.verdicts) | set(after.verdicts)):
        was, now = before.verdicts.get(intent_id), after.verdicts.get(intent_id)
        if was is None or now is None or was[:2] != now[:2]:
            diff.verdicts.append(
                {
                    "intent_id": intent_id,
                    "before": f"{was[0]} {was[1] or ''}".strip() if was else "-",
                    "after": f"{now[0]} {now[1] or ''}".strip() if now else "-",
                    "why": now[2] if now and now[2] else "",
                }
            )
    for intent_id in sorted(set(before.orders) | set(after.orders)):
        was_order, now_order = before.orders.get(intent_id), after.orders.get(intent_id)
        if was_order is None and now_order is not None:
            diff.orders_added.append(_order_brief(now_order))
        elif now_order is None and was_order is not None:
            diff.orders_removed.append(_order_brief(was_order))
        elif was_order is not None and now_order is not None:
            if was_order["size"] != now_order["size"] or was_order["price"] != now_order["price"]:
                diff.orders_resized.append(
                    {
                        "intent_id": intent_id,
                        "before": f"{was_order['size']} @ {was_order['price']}",
                        "after": f"{now_order['size']} @ {now_order['price']}",
                    }
                )
            if was_order["filled"] != now_order["filled"]:
                diff.fills_changed.append(
                    {
                        "intent_id": intent_id,
                        "before": was_order["filled"],
                        "after": now_order["filled"],
                    }
                )
    for agent in sorted(set(before.pnl) | set(after.pnl)):
        realised_before, marked_before = before.pnl.get(agent, (Decimal(0), Decimal(0)))
        realised_after, marked_after = after.pnl.get(agent, (Decimal(0), Decimal(0)))
        diff.pnl.append(
            {
                "agent": agent,
                "realised_before": realised_before,
                "realised_after": realised_after,
                "marked_before": marked_before,
                "marked_after": marked_after,
            }
        )
    return diff


def rerun(recorded: TapeApplication, config: TapeConfig) -> TapeApplication:
    """The recorded inputs run again under ``config``, into an in-memory store."""
    records = list(read_day(export_day(recorded)))
    first = next((r for r in records if not isinstance(r, BadLine)), None)
    clock = ManualClock(first.at) if first is not None else ManualClock.epoch()
    engine, paper = counterfactual_engine(config, clock)
    engine.register_agents(config.agents)
    DayRunner(engine, clock=clock, source="counterfactual", books=paper.on_book).run(records)
    return engine.app


def counterfactual(recorded: TapeApplication, config: TapeConfig) -> Diff:
    """What ``config`` would have changed about the recorded day."""
    return compare(outcome_of(recorded), outcome_of(rerun(recorded, config)))
