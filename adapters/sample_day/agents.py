"""The sample day's traders and the demo agents that follow them (``DEMO_CONFIG_TOML``).

Each trader has an address, the agent its intents go to, a share of the day's trades and a
skill: how often it buys what is cheap against the market's fair price and sells what has
reached it. Two traders are followed by no agent any more; the monitor still reports them.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from itertools import accumulate

from adapters.sample_day.ids import market_id, trader_address
from engine.config import AgentConfig


@dataclass(frozen=True)
class Trader:
    """A source trader: its address, the agent its intents go to, its share, its skill."""

    address: str
    agent: str
    share: float
    skill: float


TRADERS: dict[str, Trader] = {
    label: Trader(trader_address(label), agent, share, skill)
    for label, agent, share, skill in (
        ("whale-1", "follow-whales", 0.22, 0.7),
        ("whale-2", "follow-whales", 0.20, 0.7),
        ("whale-3", "follow-whales", 0.18, 0.65),
        ("steady-1", "tiered", 0.16, 0.6),
        ("steady-2", "tiered", 0.16, 0.6),
        ("careful-1", "tight-risk", 0.04, 0.6),
        ("dropped-1", "follow-whales", 0.02, 0.5),  # followed by no agent any more, but
        ("dropped-2", "tiered", 0.02, 0.5),  # the monitor still reports its trades
    )
}
"""The sample day's traders by label."""

LABELS = tuple(TRADERS)
CUM_SHARES = tuple(accumulate(trader.share for trader in TRADERS.values()))
DEMO_TRADERS: dict[str, str] = {label: trader.address for label, trader in TRADERS.items()}
"""The sample day's traders by label: ``dropped-*`` are followed by no agent."""

TIGHT_MARKETS = (0, 1, 2, 3)  # tight-risk's allowlist; its script trades 0, 1 and 2
CRASH_MARKET = 4  # bought big by tiered, then crashes: the stop loss


def _toml_list(items: list[str]) -> str:
    return json.dumps(items)  # a JSON list of strings is a TOML array


DEMO_CONFIG_TOML = f"""\
# The sample day's agents (see adapters/sample_day/agents.py).

[agents.follow-whales]
strategy = "copy"
venues = ["polymarket"]
follow = {_toml_list([DEMO_TRADERS[f"whale-{n}"] for n in (1, 2, 3)])}
markets = []
sizing = {{ mode = "PERCENTAGE", value = "10" }}
max_intent_usdc = "500"
max_intent_age_s = 60
max_slippage_pct = "3"
max_position_usdc = "400"
max_trades_per_day = 5000
stop_loss_usdc = "500"
budget_usdc = "5000"

[agents.tight-risk]
strategy = "copy"
venues = ["polymarket"]
follow = {_toml_list([DEMO_TRADERS["careful-1"]])}
markets = {_toml_list([market_id(i) for i in TIGHT_MARKETS])}
sizing = {{ mode = "FIXED", value = "10" }}
max_intent_usdc = "150"
max_intent_age_s = 60
max_slippage_pct = "3"
max_position_usdc = "25"
max_trades_per_day = 6
stop_loss_usdc = "50"
budget_usdc = "45"

[agents.tiered]
strategy = "copy"
venues = ["polymarket"]
follow = {_toml_list([DEMO_TRADERS["steady-1"], DEMO_TRADERS["steady-2"]])}
markets = []
sizing = {{ mode = "TIERED", tiers = [["0", "0.1"], ["100", "0.25"], ["300", "0.5"]] }}
max_intent_usdc = "500"
max_intent_age_s = 90
max_slippage_pct = "3"
max_position_usdc = "400"
max_trades_per_day = 3000
stop_loss_usdc = "150"
budget_usdc = "4000"
"""
"""A ``tape.toml`` with the three agents the sample day addresses."""


def demo_agent_configs() -> list[AgentConfig]:
    """The agents of :data:`DEMO_CONFIG_TOML`, in file order."""
    tables = tomllib.loads(DEMO_CONFIG_TOML)["agents"]
    return [AgentConfig(name=name, **table) for name, table in tables.items()]
