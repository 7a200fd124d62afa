"""The Polymarket Data API as a signal source: a keyless monitor of followed traders.

- :mod:`.client`: the Data API client (paging, backoff), ``/activity`` and ``/positions``;
- :mod:`.folding`: TRADE rows -> fills -> one trade per (transaction, token, side) -> intent;
- :mod:`.state`: the persisted watermark, handled ids and holdings (atomic, single instance);
- :mod:`.sinks`: where intents go (a JSONL file, or ``tape serve`` over HTTP);
- :mod:`.monitor`: the poll loop that ties them together.
"""

from adapters.polymarket_data.client import (
    DATA_URL_ENV,
    DEFAULT_DATA_URL,
    Backoff,
    DataApiClient,
    DataApiError,
    MonitorStopped,
)
from adapters.polymarket_data.folding import Fill, Trade, fold, parse_fill, to_intent
from adapters.polymarket_data.monitor import CycleStats, Monitor, MonitorSettings
from adapters.polymarket_data.sinks import FileSink, HttpSink, IntentSink, SinkError
from adapters.polymarket_data.state import MonitorState, StateError, StateStore, TraderState

__all__ = [
    "DATA_URL_ENV",
    "DEFAULT_DATA_URL",
    "Backoff",
    "CycleStats",
    "DataApiClient",
    "DataApiError",
    "FileSink",
    "Fill",
    "HttpSink",
    "IntentSink",
    "Monitor",
    "MonitorSettings",
    "MonitorState",
    "MonitorStopped",
    "SinkError",
    "StateError",
    "StateStore",
    "Trade",
    "TraderState",
    "fold",
    "parse_fill",
    "to_intent",
]
