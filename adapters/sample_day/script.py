"""The script woven into every sample day: the steps that make the engine deny intents for
every firewall and limit reason, redeliver duplicates and skip malformed lines, and where in
the day each step comes (:func:`schedule`)."""

from __future__ import annotations

from typing import Any

from adapters.sample_day.agents import CRASH_MARKET

SCRIPT_SPAN = 2000  # intents the script is woven into, but for its end: one UTC afternoon

# The script, woven in at evenly spread intents; each comment says what the engine does.
SCRIPT: tuple[tuple[str, int], ...] = (
    ("tight_buy", 0),  # accepted: tight-risk's trade 1, about 10 USDC
    ("unfollowed", 0),  # trader_allowlist
    ("tight_buy", 0),  # accepted: trade 2
    ("size_cap", 0),  # size_cap
    ("tight_buy", 0),  # position_limit: a third 10 USDC in market 0 passes 25
    ("stale", 0),  # staleness
    ("tight_buy", 1),  # accepted: trade 3
    ("duplicate", 0),  # redelivered
    ("slippage", 0),  # slippage
    ("tight_buy", 1),  # accepted: trade 4
    ("tiny", 0),  # sizing: 10% of 20 shares is under the minimum 5
    ("not_json", 0),  # a bad line
    ("tight_buy", 2),  # budget: 40 USDC deployed + 10 passes 45
    ("off_allowlist", 0),  # market_allowlist
    ("big_buy", CRASH_MARKET),  # accepted: tiered holds ~240 USDC of the crash market
    ("tight_sell", 0),  # accepted: trade 5, a position reduced
    ("bad_field", 0),  # a bad line
    ("tight_sell", 1),  # accepted: trade 6
    ("tight_buy", 2),  # trades_per_day
    ("open", 0),  # careful-1 may trade tight-risk's markets from now on
    ("duplicate", 0),  # redelivered
    ("crash", CRASH_MARKET),  # the market falls to a few cents
    ("dip_buy", CRASH_MARKET),  # accepted: tiered's mark of it now shows the loss
    ("dip_buy", CRASH_MARKET),  # stop_loss: tiered is halted
    ("open", CRASH_MARKET),
)
LATE = SCRIPT.index(("crash", CRASH_MARKET))  # from here on, steps spread over the whole day
# Steps that come besides the slot's intent, not instead of it.
EXTRAS = frozenset(("duplicate", "not_json", "bad_field", "crash", "open"))
BAD = frozenset(("not_json", "bad_field"))  # their last line is malformed
# One-off buys: trader, size (hundredths of a share) and what is odd about them.
ONE_OFF: dict[str, tuple[str, int, dict[str, Any]]] = {
    "unfollowed": ("dropped-1", 20_000, {}),
    "size_cap": ("whale-2", 0, {"usdc": 9_000_000}),  # 900 USDC
    "stale": ("whale-1", 20_000, {"age": 600}),  # the monitor lagged ten minutes
    "slippage": ("whale-1", 20_000, {"below": 6}),  # filled six ticks under the ask now
    "tiny": ("whale-3", 2_000, {}),
    "off_allowlist": ("careful-1", 8_000, {}),
    "bad_field": ("whale-1", 10_000, {"extra": {"leverage": "3"}}),
}


def schedule(intents: int) -> dict[int, list[tuple[str, int]]]:
    """The intent slot of every script step, spread evenly (each centred in its share).

    Up to the crash, steps share the first ``SCRIPT_SPAN`` intents, so tight-risk's limits
    meet within one UTC day; the crash and the halt it brings come late in the day.
    """
    slots: dict[int, list[tuple[str, int]]] = {}
    for j, step in enumerate(SCRIPT):
        span = intents if j >= LATE else min(intents, SCRIPT_SPAN)
        slots.setdefault((2 * j + 1) * span // (2 * len(SCRIPT)), []).append(step)
    return slots
