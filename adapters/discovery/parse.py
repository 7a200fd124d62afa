"""Data API rows into a candidate's ``History``: fills from ``/trades`` (a fill missing from
the taker-only answer is a maker fill), redeems and rewards from ``/activity``, resolutions
from ``/closed-positions``. Numbers are read as decimals from their text; a row without what
it needs is skipped and counted, never guessed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.discovery.history import ClosedPosition, Fill, History, Redeem

REWARD_TYPES = {"REWARD", "MAKER_REBATE", "TAKER_REBATE", "REFERRAL_REWARD", "YIELD"}


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _at(value: Any) -> datetime | None:
    seconds = _dec(value)
    if seconds is None or seconds < 0 or seconds > 10**11:
        return None
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def _fill_key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row.get(k, "")) for k in ("transactionHash", "asset", "side", "size", "price"))


def parse_fill(row: dict[str, Any], *, maker: bool = False) -> Fill | None:
    """One trade row (``/trades`` or an ``/activity`` TRADE), or None if unusable."""
    size, price, at = _dec(row.get("size")), _dec(row.get("price")), _at(row.get("timestamp"))
    side, asset, market = row.get("side"), row.get("asset"), row.get("conditionId")
    if size is None or price is None or at is None or size <= 0 or not 0 <= price <= 1:
        return None
    if side not in ("BUY", "SELL") or not isinstance(asset, str) or not asset:
        return None
    return Fill(
        side=str(side),
        asset=asset,
        market=str(market or asset),
        size=size,
        price=price,
        at=at,
        tx_hash=str(row.get("transactionHash") or ""),
        maker=maker,
        title=str(row.get("title") or ""),
        outcome=str(row.get("outcome") or ""),
    )


def parse_closed(row: dict[str, Any]) -> ClosedPosition | None:
    """One ``/closed-positions`` row, or None if unusable."""
    values = [_dec(row.get(k)) for k in ("avgPrice", "totalBought", "realizedPnl", "curPrice")]
    asset, market = row.get("asset"), row.get("conditionId")
    if any(v is None for v in values) or not isinstance(asset, str) or not market:
        return None
    avg, bought, pnl, cur = (v if v is not None else Decimal(0) for v in values)
    return ClosedPosition(
        asset=asset,
        market=str(market),
        avg_price=avg,
        total_bought=bought,
        realized_pnl=pnl,
        cur_price=cur,
        opposite_asset=str(row.get("oppositeAsset") or ""),
        at=_at(row.get("timestamp")),
    )


def build_history(
    wallet: str,
    *,
    trades_all: list[dict[str, Any]],
    trades_taker: list[dict[str, Any]],
    activity: list[dict[str, Any]],
    closed: list[dict[str, Any]],
    board: tuple[dict[str, str], ...] = (),
    name: str = "",
) -> tuple[History, Counter[str]]:
    """The wallet's history, and how many rows of each kind were skipped as unusable."""
    skipped: Counter[str] = Counter()
    taker = Counter(_fill_key(r) for r in trades_taker)
    fills: list[Fill] = []
    rows = trades_all or [r for r in activity if r.get("type") == "TRADE"]
    for row in rows:
        key = _fill_key(row)
        is_taker = taker[key] > 0
        if is_taker:
            taker[key] -= 1
        fill = parse_fill(row, maker=bool(trades_all) and not is_taker)
        if fill is None:
            skipped["trade"] += 1
        else:
            fills.append(fill)
    redeems: list[Redeem] = []
    rewards = Decimal(0)
    for row in activity:
        kind = row.get("type")
        usdc, at = _dec(row.get("usdcSize")), _at(row.get("timestamp"))
        if kind == "REDEEM":
            if usdc is None or at is None or not row.get("conditionId"):
                skipped["redeem"] += 1
            else:
                redeems.append(Redeem(str(row["conditionId"]), usdc, at))
        elif kind in REWARD_TYPES and usdc is not None:
            rewards += usdc
    positions = []
    for row in closed:
        position = parse_closed(row)
        if position is None:
            skipped["closed_position"] += 1
        else:
            positions.append(position)
    history = History(
        wallet=wallet.lower(),
        fills=tuple(fills),
        redeems=tuple(redeems),
        closed=tuple(positions),
        rewards_usdc=rewards,
        name=name,
        board=board,
    )
    return history, skipped
