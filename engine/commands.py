"""The engine's inputs as named commands, and what some of them answer.

Each command is a frozen dataclass that says what is asked, not how: ``TradingEngine.handle``
sends it to its handler (``engine/handlers/``). ``Command[R]`` names what the handler returns.

The commands live in modules by the handler family they go to (``engine/commands_*.py``,
the base and shared answers in ``engine/command.py``); this module names them all.
"""

from __future__ import annotations

from engine.command import (
    Command,
    R,
    Receipt,
    Recovery,
)
from engine.commands_admin import (
    CancelAgentOrders,
    CancelOrder,
    RecordRedemptionOutcome,
    RecordRedemptionSigned,
    RegisterAgents,
    RequestCancel,
    RequestRedemption,
    ResolveMarket,
    SettleMarket,
    SetTradingState,
)
from engine.commands_discovery import (
    ChangeFollowList,
    RecordDiscovery,
)
from engine.commands_intake import (
    ReceiveIntent,
    RecordUnreadableInput,
    SubmitIntent,
)
from engine.commands_orders import (
    ApplyVenueReport,
    DecideIntent,
    DecidePending,
    DenyOrder,
    ExecuteOrder,
    ExpireOrder,
    PollVenue,
    ReconcileOpenOrders,
    ReconcileOrder,
    RecordUncertain,
    Recover,
)
from engine.commands_strategies import (
    AdvancePair,
    FeedMarket,
    ObserveMarket,
    RunPairs,
)

__all__ = [
    "AdvancePair",
    "ApplyVenueReport",
    "CancelAgentOrders",
    "CancelOrder",
    "ChangeFollowList",
    "Command",
    "DecideIntent",
    "DecidePending",
    "DenyOrder",
    "ExecuteOrder",
    "ExpireOrder",
    "FeedMarket",
    "ObserveMarket",
    "PollVenue",
    "R",
    "Receipt",
    "ReceiveIntent",
    "ReconcileOpenOrders",
    "ReconcileOrder",
    "RecordDiscovery",
    "RecordRedemptionOutcome",
    "RecordRedemptionSigned",
    "RecordUncertain",
    "RecordUnreadableInput",
    "Recover",
    "Recovery",
    "RegisterAgents",
    "RequestCancel",
    "RequestRedemption",
    "ResolveMarket",
    "RunPairs",
    "SetTradingState",
    "SettleMarket",
    "SubmitIntent",
]
