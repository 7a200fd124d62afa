"""The sample strategy day: one event traded on two venues, a Polymarket market and its Kalshi
twin, for ``tape demo --strategies`` (and the arbitrage, which reads the same books).

Every 30 seconds for two hours each of the four books (Polymarket YES and NO, Kalshi yes and
no) is written, and a Polymarket YES trade. The YES price walks back towards a fair value with
a little noise; the script adds, at fixed steps:

- price **spikes** (a sudden drop of YES, or of NO, on both venues, that comes back within a
  few minutes): what mean reversion fades;
- a **trend** (YES climbs eighteen cents in under eight minutes, holds, then slides back over
  half an hour): what momentum rides;
- **dislocations** between the venues: Kalshi's YES bid jumps above Polymarket's YES ask, so
  buying YES on Polymarket and NO on Kalshi costs 0.96 (a true arbitrage after fees) or 0.99
  (one cent, which Kalshi's fee of about 1.75 cents a contract erases).

Both markets resolve YES half an hour after the last book. The same seed gives the same lines.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.intent import format_utc

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
STEP = timedelta(seconds=30)
STEPS = 240
SEED = 11
FAIR = 55  # cents

POLY_MARKET = "0x" + hashlib.sha256(b"tape-sample/strategy/market").hexdigest()
POLY_YES = str(int(hashlib.sha256(b"tape-sample/strategy/yes").hexdigest(), 16))
POLY_NO = str(int(hashlib.sha256(b"tape-sample/strategy/no").hexdigest(), 16))
KALSHI_TICKER = "KXFEDCUT-26MAR-T4.00"
KALSHI_YES = f"{KALSHI_TICKER}:yes"
KALSHI_NO = f"{KALSHI_TICKER}:no"
CLOSES = "2026-03-18T18:00:00Z"  # when the event's markets close (the expiry guard's)

SPIKES = {40: ("yes", 9), 65: ("no", 5), 170: ("yes", 10)}
"""step -> (which Polymarket outcome drops, by how many cents); it comes back over 6 steps."""
TREND = (105, 120, 160, 220)
"""YES climbs from the first step to the second, holds until the third, then slides back until
the fourth."""
TREND_CENTS = 24
DISLOCATIONS = {
    30: (3, 3),
    75: (3, 3),
    130: (3, 3),
    200: (3, 3),
    55: (2, 1),
    150: (2, 1),
    215: (2, 1),
}
"""step -> (cents Polymarket's YES falls, cents Kalshi's YES rises) for one step: (3, 3) makes
YES on Polymarket plus NO on Kalshi cost 0.96 (a true arbitrage after fees), (2, 1) 0.99 (one
cent, which fees erase)."""


def _cents(value: int) -> str:
    return str(Decimal(min(max(value, 1), 99)) / 100)


def _book(venue: str, market: str, token: str, at: str, top: tuple[int, int]) -> dict[str, Any]:
    bid, ask = top
    grid = (
        {"tick_size": "0.01", "min_size": "1", "size_step": "1"}
        if venue == "kalshi"
        else {"tick_size": "0.01", "min_size": "5"}
    )
    return {
        "type": "book",
        "at": at,
        "venue": venue,
        "token_id": token,
        "market_id": market,
        "bids": [[_cents(bid), "300"], [_cents(bid - 1), "800"]],
        "asks": [[_cents(ask), "300"], [_cents(ask + 1), "800"]],
        **grid,
    }


def _spike(step: int) -> tuple[int, int]:
    # (cents YES drops, cents NO drops) at this step: full at the spike, back over 6 steps.
    yes = no = 0
    for start, (side, depth) in SPIKES.items():
        if start <= step < start + 6:
            drop = depth * (start + 6 - step) // 6
            yes, no = (yes + drop, no) if side == "yes" else (yes, no + drop)
    return yes, no


def _trend(step: int) -> int:
    rise, top, slide, end = TREND
    if rise <= step < top:
        return TREND_CENTS * (step - rise) // (top - rise)
    if top <= step < slide:
        return TREND_CENTS
    if slide <= step < end:
        return TREND_CENTS - TREND_CENTS * (step - slide) // (end - slide)
    return 0


def iter_strategy_day(seed: int = SEED) -> Iterator[str]:
    """The day's ``tape.day/1`` lines (no newline), in time order."""
    rng = random.Random(seed)  # noqa: S311 (a seeded sample, not a secret)
    mid = FAIR
    for step in range(STEPS):
        at = format_utc(START + step * STEP)
        mid += (FAIR - mid) // 3 + rng.choice((-1, 0, 0, 1))
        yes_drop, no_drop = _spike(step)
        # The event's price, the same on both venues: the walk, the trend, the spikes (a NO
        # drop is a YES jump); the venues part only at the dislocations.
        base = mid + _trend(step) - yes_drop + no_drop
        poly_fall, kalshi_rise = DISLOCATIONS.get(step, (0, 0))
        poly_yes = base - poly_fall
        poly = (poly_yes - 1, poly_yes + 1)
        noise = rng.choice((-1, 0, 1)) if step not in DISLOCATIONS else 0
        kalshi_mid = base + kalshi_rise + noise
        kalshi = (kalshi_mid - 1, kalshi_mid + 1)
        for record in (
            _book("polymarket", POLY_MARKET, POLY_YES, at, poly),
            _book("polymarket", POLY_MARKET, POLY_NO, at, (100 - poly[1], 100 - poly[0])),
            _book("kalshi", KALSHI_TICKER, KALSHI_YES, at, kalshi),
            _book("kalshi", KALSHI_TICKER, KALSHI_NO, at, (100 - kalshi[1], 100 - kalshi[0])),
        ):
            yield json.dumps(record)
        side = rng.choice(("BUY", "SELL"))
        yield json.dumps(
            {
                "type": "trade",
                "at": at,
                "venue": "polymarket",
                "token_id": POLY_YES,
                "market_id": POLY_MARKET,
                "price": _cents(poly[1] if side == "BUY" else poly[0]),
                "size": str(rng.randint(5, 200)),
                "side": side,
            }
        )
    end = format_utc(START + STEPS * STEP + timedelta(minutes=30))
    for venue, market, winner in (
        ("polymarket", POLY_MARKET, POLY_YES),
        ("kalshi", KALSHI_TICKER, KALSHI_YES),
    ):
        yield json.dumps(
            {
                "type": "resolution",
                "at": end,
                "venue": venue,
                "market_id": market,
                "winning_token_id": winner,
            }
        )


def write_strategy_day(path: Path | str, seed: int = SEED) -> int:
    """Write :func:`iter_strategy_day` to ``path``; returns the line count."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for text in iter_strategy_day(seed):
            out.write(text + "\n")
            count += 1
    return count


STRATEGY_CONFIG_TOML = f"""\
# The sample strategy day's agents (see adapters/sample_day/strategy_day.py).

[agents.revert]
strategy = "mean_reversion"
venues = ["polymarket"]
markets = ["{POLY_YES}", "{POLY_NO}"]
max_slippage_pct = "3"
max_position_usdc = "100"
budget_usdc = "300"
params = {{ window = 20, z_entry = "2.0", z_exit = "0.5", min_move = "0.04", cooldown_s = 300, \
size = "20", \
min_price = "0.10", max_price = "0.90", min_time_to_expiry_s = 86400, \
outcomes = {{ "{POLY_YES}" = "Yes", "{POLY_NO}" = "No" }}, \
expiries = {{ "{POLY_MARKET}" = "{CLOSES}" }} }}

[agents.trend]
strategy = "momentum"
venues = ["kalshi"]
markets = ["{KALSHI_YES}"]
max_slippage_pct = "3"
max_position_usdc = "100"
budget_usdc = "300"
params = {{ fast = 5, slow = 20, threshold = "0.03", cooldown_s = 300, size = "25", \
min_time_to_expiry_s = 86400, expiries = {{ "{KALSHI_TICKER}" = "{CLOSES}" }} }}

[agents.arb]
strategy = "arbitrage"
venues = ["polymarket", "kalshi"]
pairs = [{{ polymarket = "{POLY_YES}", polymarket_no = "{POLY_NO}", \
polymarket_market = "{POLY_MARKET}", kalshi = "{KALSHI_TICKER}" }}]
min_profit_usdc = "0.50"
size = "50"
max_leg_risk_usdc = "5"
window_s = 600
max_position_usdc = "1000"
budget_usdc = "2000"
"""
"""The demo's ``tape.toml`` for the strategy day."""
