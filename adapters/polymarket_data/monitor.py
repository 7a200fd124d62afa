"""The copy monitor: polls each followed wallet's trades and emits one intent per trader order.

One poll of a trader, in this order, so that a kill at any point loses nothing and emits nothing
twice:

1. On its first poll ever, the trader's holdings are read from ``/positions`` (the seed).
2. Its TRADE rows since the watermark less the overlap window are read (all pages), folded per
   (transaction, token, side), and the trades whose intent id was already handled are dropped.
3. The new trades, oldest first, move the running holdings and become intents.
4. The new state (watermark, handled ids, holdings) is saved **together with the intents as
   pending** (write-ahead), atomically.
5. The pending intents are delivered (file append + fsync, or HTTP until acknowledged); the sinks
   skip what a previous, interrupted delivery already got through.
6. The state is saved again without them.

A restart first delivers whatever is pending (step 5), then polls.

The overlap window covers the Data API's lag (a trade shows up about a minute after it
happened): each poll asks again for the last ``overlap`` seconds before the newest trade seen,
so a late row is still found, and the handled ids make sure it is emitted once. The rows of
one transaction do not always show up together: fills of an order that show up after the
order's intent was emitted become a follow-up intent for the shares not yet copied
(``copy:<tx>:<token>:<side>:<n>``, the n-th late part, at the late fills' volume-weighted
price), so nothing of a trade is lost. The state records per order how many shares were copied
and in how many parts, written ahead with the intents, so a part is never emitted twice across
restarts.

``trader_position_before``: the holdings seeded from ``/positions`` stand for the moment of the
seed, so a trade at or before it is already in them: it leaves them as they are and its intent
carries no ``trader_position_before`` (unknown). A later trade carries the running holding
before it and moves it (a BUY adds, a SELL takes away, never below zero). REDEEM, MERGE and
SPLIT activity is not followed, so the record can drift from the chain on those.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.polymarket_data.client import DataApiClient, DataApiError, MonitorStopped
from adapters.polymarket_data.emitter import Emitter
from adapters.polymarket_data.folding import RowError, Trade, fold, parse_fill
from adapters.polymarket_data.sinks import IntentSink
from adapters.polymarket_data.state import MonitorState, StateStore, TraderState

DEFAULT_OVERLAP_S = 300
DEFAULT_INTERVAL_S = 5.0


@dataclass(frozen=True)
class MonitorSettings:
    """Who to follow and how."""

    traders: tuple[str, ...]
    agent: str | None = None  # None: signals, for every copy agent following the trader
    overlap_s: int = DEFAULT_OVERLAP_S
    since: int | None = None  # the floor of a wallet's first poll; default: its seed less overlap


@dataclass
class CycleStats:
    """What one poll cycle did."""

    emitted: int = 0
    unreachable: list[str] = field(default_factory=list)
    skipped: int = 0


class Monitor:
    """Polls the Data API for the followed traders and delivers their trades as intents."""

    def __init__(
        self,
        client: DataApiClient,
        store: StateStore,
        sink: IntentSink,
        settings: MonitorSettings,
        *,
        report: Callable[[str], None],
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.time,
        emitter: Emitter | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.settings = settings
        self.report = report
        self.stop = stop or client.stop
        self.clock = clock
        self.emitter = emitter or Emitter(
            store, sink, agent=settings.agent, overlap_s=settings.overlap_s, report=report
        )
        self._said: set[str] = set()

    @property
    def sink(self) -> IntentSink:
        """Where the intents go (the emitter's)."""
        return self.emitter.sink

    @sink.setter
    def sink(self, sink: IntentSink) -> None:
        self.emitter.sink = sink

    @property
    def state(self) -> MonitorState:
        """The persisted state (shared with any other source on the same emitter)."""
        return self.emitter.state

    # -- the loop ---------------------------------------------------------------------------

    def run(self, *, interval: float = DEFAULT_INTERVAL_S, once: bool = False) -> CycleStats:
        """Deliver what is pending, then poll every ``interval`` seconds until stopped
        (or once). Returns the stats of the last cycle."""
        stats = CycleStats()
        try:
            self.flush_pending()
            while not self.stop.is_set():
                stats = self.poll_once()
                if once or self.stop.wait(interval):
                    break
        except MonitorStopped:
            pass
        return stats

    def flush_pending(self) -> int:
        """Deliver the intents a previous run wrote ahead but may not have delivered."""
        return self.emitter.flush_pending()

    def poll_once(self) -> CycleStats:
        """Poll every trader once; an unreachable one is reported and the others go on."""
        stats = CycleStats()
        for trader in self.settings.traders:
            if self.stop.is_set():
                break
            try:
                emitted, skipped = self.poll_trader(trader)
            except DataApiError as error:
                stats.unreachable.append(trader)
                self.report(f"{trader}: unreachable: {error}; the other traders go on")
                continue
            stats.emitted += emitted
            stats.skipped += skipped
        return stats

    # -- one trader -------------------------------------------------------------------------

    def poll_trader(self, trader: str) -> tuple[int, int]:
        """Read, fold, record and deliver one trader's new trades; (emitted, skipped)."""
        known = self.emitter.record(trader)
        record = known if known is not None else self.seed(trader)
        rows = self.client.trade_rows(trader, record.window_start(self.settings.overlap_s))
        trades, skipped = self._trades(trader, rows)
        with self.emitter.lock:
            intents, unusable, changed = self.emitter.apply(
                trader, trades, seed=record, watermark=True
            )
            if changed:
                self.emitter.commit(intents)  # write-ahead: the intents are pending
        return len(intents), skipped + unusable

    def seed(self, trader: str) -> TraderState:
        """A new wallet's record: its holdings from ``/positions``, its first window."""
        holdings = self.client.holdings(trader)
        now = int(self.clock())
        since = self.settings.since
        floor = since if since is not None else now - self.settings.overlap_s
        return TraderState(floor=floor, seeded_at=now, holdings=holdings)

    def _trades(self, trader: str, rows: list[dict[str, Any]]) -> tuple[list[Trade], int]:
        fills = []
        skipped = 0
        for row in rows:
            try:
                fill = parse_fill(row)
            except (RowError, DataApiError) as error:
                skipped += 1
                message = f"{trader}: skipped an unreadable TRADE row: {error}"
                if message not in self._said:  # the overlap returns it again: say it once
                    self._said.add(message)
                    self.report(message)
                continue
            if fill is not None:
                fills.append(fill)
        return fold(fills), skipped
