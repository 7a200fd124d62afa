"""A candidate's metrics from its history: results by market resolution, consistency, style.

PnL is realised per market: a market counts when the candidate has left it (bought and sold
back to nothing) or it has resolved (shares still held pay 1 for the winning token, 0 for the
others), on the day of its redeem or else its last fill. Win rate is by market outcome: a
resolved market is won when the token the candidate bought most of is the one that won,
whatever the sign of its realised PnL (a trader can sell a winner at a loss).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

from engine.checks import show
from engine.discovery.history import Fill, History

ZERO = Decimal(0)
WASH_WINDOW = timedelta(hours=1)
WASH_PRICE_GAP = Decimal("0.01")
DUST = Decimal("0.01")  # shares below this are a position left at nothing


@dataclass(frozen=True)
class Metrics:
    """What the filters and the table read of a candidate (None: cannot be computed)."""

    trades: int
    maker_fills: int
    markets: int
    active_days: int
    fills_per_day: Decimal
    maker_share: Decimal
    avg_entry_price: Decimal | None
    median_hold_h: Decimal | None
    resolved_markets: int
    wins: int
    win_rate: Decimal | None
    realised_pnl: Decimal
    best_day_pnl: Decimal | None
    best_day_share: Decimal | None
    profitable_weeks: int
    active_weeks: int
    profitable_weeks_share: Decimal | None
    max_drawdown: Decimal
    wash_share: Decimal
    rewards_usdc: Decimal

    def to_record(self) -> dict[str, str]:
        """Every metric as text, as the ``CandidateScored`` event stores it."""
        return {k: show(v) for k, v in sorted(vars(self).items())}


def _ratio(part: Decimal, whole: Decimal, places: str = "0.0001") -> Decimal | None:
    if whole <= 0:
        return None
    return (part / whole).quantize(Decimal(places))


def compute_metrics(history: History) -> Metrics:
    """Every metric of one candidate's history."""
    fills = sorted(history.fills, key=lambda f: (f.at, f.tx_hash))
    days = {f.at.date() for f in fills}
    buys = [f for f in fills if f.side == "BUY"]
    bought = sum((f.size for f in buys), ZERO)
    markets = _market_results(history, fills)
    daily: dict[date, Decimal] = defaultdict(Decimal)
    for at, pnl in (r for r in markets.values() if r is not None):
        daily[at.date()] += pnl
    total = sum(daily.values(), ZERO)
    weeks: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for day, pnl in daily.items():
        weeks[tuple(day.isocalendar())[:2]] += pnl  # type: ignore[index]
    wins, resolved = _wins(history, fills)
    best = max(daily.values()) if daily else None
    return Metrics(
        trades=len(fills),
        maker_fills=sum(f.maker for f in fills),
        markets=len({f.market for f in fills}),
        active_days=len(days),
        fills_per_day=(Decimal(len(fills)) / len(days)).quantize(Decimal("0.01")) if days else ZERO,
        maker_share=_ratio(Decimal(sum(f.maker for f in fills)), Decimal(len(fills))) or ZERO,
        avg_entry_price=_ratio(sum((f.notional for f in buys), ZERO), bought),
        median_hold_h=_median_hold(history, fills),
        resolved_markets=resolved,
        wins=wins,
        win_rate=_ratio(Decimal(wins), Decimal(resolved)),
        realised_pnl=total,
        best_day_pnl=best,
        best_day_share=_ratio(best, total) if best is not None and best > 0 else None,
        profitable_weeks=sum(1 for p in weeks.values() if p > 0),
        active_weeks=len(weeks),
        profitable_weeks_share=_ratio(
            Decimal(sum(1 for p in weeks.values() if p > 0)), Decimal(len(weeks))
        ),
        max_drawdown=_drawdown([daily[d] for d in sorted(daily)]),
        wash_share=_ratio(Decimal(_washed(fills)), Decimal(len(fills))) or ZERO,
        rewards_usdc=history.rewards_usdc,
    )


def _market_results(
    history: History, fills: list[Fill]
) -> dict[str, tuple[datetime, Decimal] | None]:
    # Each market's realised PnL and the moment it was realised (None: still open).
    winners = history.winners()
    redeemed = {r.market: r.at for r in history.redeems}
    cash: dict[str, Decimal] = defaultdict(Decimal)
    held: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    last: dict[str, datetime] = {}
    for fill in fills:
        sign = -1 if fill.side == "BUY" else 1
        cash[fill.market] += sign * fill.notional
        held[fill.market][fill.asset] -= sign * fill.size
        last[fill.market] = fill.at
    results: dict[str, tuple[datetime, Decimal] | None] = {}
    for market, flow in cash.items():
        holding = {a: s for a, s in held[market].items() if s > DUST}
        at = redeemed.get(market, last[market])
        if not holding:
            results[market] = (at, flow)
        elif market in winners:
            payout = holding.get(winners[market], ZERO)
            results[market] = (max(at, last[market]), flow + payout)
        else:
            results[market] = None
    return results


def _wins(history: History, fills: list[Fill]) -> tuple[int, int]:
    # (markets won, markets resolved) by the outcome of the token bought most.
    winners = history.winners()
    bought: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for fill in fills:
        if fill.side == "BUY":
            bought[fill.market][fill.asset] += fill.size
    wins = resolved = 0
    for market, tokens in bought.items():
        if market not in winners:
            continue
        resolved += 1
        favourite = max(sorted(tokens), key=lambda a: tokens[a])
        wins += favourite == winners[market]
    return wins, resolved


def _median_hold(history: History, fills: list[Fill]) -> Decimal | None:
    # Hours from the first buy of a token to its last sell (or its market's redeem).
    redeemed = {r.market: r.at for r in history.redeems}
    first: dict[str, datetime] = {}
    exit_at: dict[str, datetime] = {}
    for fill in fills:
        if fill.side == "BUY":
            first.setdefault(fill.asset, fill.at)
        elif fill.asset in first:
            exit_at[fill.asset] = fill.at
    for fill in fills:
        if fill.asset in first and fill.asset not in exit_at and fill.market in redeemed:
            exit_at[fill.asset] = redeemed[fill.market]
    hours = [
        Decimal(str((exit_at[a] - first[a]).total_seconds())) / 3600
        for a in first
        if a in exit_at and exit_at[a] >= first[a]
    ]
    if not hours:
        return None
    return Decimal(str(median(hours))).quantize(Decimal("0.01"))


def _drawdown(pnl_by_day: list[Decimal]) -> Decimal:
    # The largest fall of cumulative realised PnL from a previous peak.
    peak = level = worst = ZERO
    for pnl in pnl_by_day:
        level += pnl
        peak = max(peak, level)
        worst = max(worst, peak - level)
    return worst


def _washed(fills: list[Fill]) -> int:
    # Fills that are half of a round trip: a sell of a token within an hour of a buy of it at
    # (nearly) the same price. Both halves count.
    open_buys: dict[str, list[Fill]] = defaultdict(list)
    matched = 0
    for fill in fills:
        if fill.side == "BUY":
            open_buys[fill.asset].append(fill)
            continue
        for buy in open_buys[fill.asset]:
            if fill.at - buy.at <= WASH_WINDOW and abs(fill.price - buy.price) <= WASH_PRICE_GAP:
                open_buys[fill.asset].remove(buy)
                matched += 2
                break
    return matched
