"""The filters of what cannot be copied, each a check with the values it compared (as a
firewall verdict is), and the thresholds they compare against."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.checks import Check, check, show
from engine.discovery.metrics import Metrics


@dataclass(frozen=True)
class Thresholds:
    """Where each filter draws its line (defaults from ``shared/reference/discovery.md``)."""

    max_maker_share: Decimal = Decimal("0.5")
    max_fills_per_day: Decimal = Decimal(200)
    max_avg_entry_price: Decimal = Decimal("0.9")
    max_wash_share: Decimal = Decimal("0.3")
    max_best_day_share: Decimal = Decimal("0.5")
    min_trades: int = 20
    min_markets: int = 5
    min_active_days: int = 3

    def to_record(self) -> dict[str, str]:
        """The thresholds as text."""
        return {k: show(v) for k, v in sorted(vars(self).items())}


FILTERS = ("market_maker", "near_certain", "wash_trading", "one_trade_luck", "too_little_history")
"""The filters in the order they run; a candidate's reason is the first that fails."""


def screen(metrics: Metrics, limits: Thresholds) -> list[Check]:
    """Every filter, passed or not, with the values it compared."""
    m, t = metrics, limits
    maker_ok = m.maker_share <= t.max_maker_share and m.fills_per_day <= t.max_fills_per_day
    entry = m.avg_entry_price
    luck = m.best_day_share
    enough = (
        m.trades >= t.min_trades
        and m.markets >= t.min_markets
        and m.active_days >= t.min_active_days
    )
    return [
        check(
            "market_maker",
            maker_ok,
            f"maker fills {show(m.maker_share)} of all (limit {show(t.max_maker_share)}), "
            f"{show(m.fills_per_day)} fills per active day (limit {show(t.max_fills_per_day)})",
            maker_share=m.maker_share,
            max_maker_share=t.max_maker_share,
            fills_per_day=m.fills_per_day,
            max_fills_per_day=t.max_fills_per_day,
            median_hold_h=m.median_hold_h,
        ),
        check(
            "near_certain",
            entry is None or entry <= t.max_avg_entry_price,
            f"average entry price {show(entry)} (limit {show(t.max_avg_entry_price)}; above "
            "it, near-certain buys: one wrong resolution erases weeks)",
            avg_entry_price=entry,
            max_avg_entry_price=t.max_avg_entry_price,
        ),
        check(
            "wash_trading",
            m.wash_share <= t.max_wash_share,
            f"{show(m.wash_share)} of fills are round trips at the same price within an hour "
            f"(limit {show(t.max_wash_share)})",
            wash_share=m.wash_share,
            max_wash_share=t.max_wash_share,
        ),
        check(
            "one_trade_luck",
            luck is None or luck <= t.max_best_day_share,
            f"the best day made {show(luck)} of the realised PnL {show(m.realised_pnl)} "
            f"(limit {show(t.max_best_day_share)})",
            best_day_pnl=m.best_day_pnl,
            best_day_share=luck,
            realised_pnl=m.realised_pnl,
            max_best_day_share=t.max_best_day_share,
        ),
        check(
            "too_little_history",
            enough,
            f"{m.trades} trades (at least {t.min_trades}), {m.markets} markets (at least "
            f"{t.min_markets}), {m.active_days} active days (at least {t.min_active_days})",
            trades=m.trades,
            min_trades=t.min_trades,
            markets=m.markets,
            min_markets=t.min_markets,
            active_days=m.active_days,
            min_active_days=t.min_active_days,
        ),
    ]


def first_failed(checks: list[Check] | list[dict[str, Any]]) -> str | None:
    """The name of the first check that failed (the candidate's reason), if any."""
    for item in checks:
        name, passed = (
            (item.name, item.passed) if isinstance(item, Check) else (item["name"], item["passed"])
        )
        if not passed:
            return str(name)
    return None


def rank(scored: list[tuple[str, bool, Decimal | None]]) -> dict[str, int]:
    """Ranks (1 first) of the candidates that passed every filter, by what a copy would have
    earned (highest first; ties by wallet); the others have none."""
    passed = [(w, pnl if pnl is not None else Decimal("-1e18")) for w, ok, pnl in scored if ok]
    ordered = sorted(passed, key=lambda item: (-item[1], item[0]))
    return {wallet: n for n, (wallet, _) in enumerate(ordered, start=1)}
