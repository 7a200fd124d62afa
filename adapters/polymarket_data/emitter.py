"""Trades -> intents, once: the step every signal source (Data API, chain) shares.

Both sources hand their folded trades of a wallet to one :class:`Emitter`, which owns the
monitor's persisted state. A trade whose intent id (``copy:<tx>:<token>:<side>``) the wallet's
record already holds with as many shares is dropped, whichever source saw it first, so the two
sources deduplicate each other; shares beyond what was copied become a follow-up part
(``...:<n>``, see :mod:`.monitor`); a new one moves the wallet's running holdings, becomes an
intent, and is saved as pending together with everything else the caller changed
(write-ahead) before it is delivered. ``agent`` None: the intents are signals for every copy
agent following the trader.
The engine's own rule (a redelivered intent id is recorded, never traded twice) stays the
backstop beyond the records' window.

The sources run in threads of one process: every read-modify-write of the state happens under
:attr:`Emitter.lock`, and the network reads of each source happen outside it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from adapters.polymarket_data.folding import Trade, to_intent
from adapters.polymarket_data.sinks import IntentSink
from adapters.polymarket_data.state import Handled, MonitorState, StateStore, TraderState
from engine.intent import IntentFormatError


class Emitter:
    """The shared state, the dedup by intent id, the write-ahead and the delivery."""

    def __init__(
        self,
        store: StateStore,
        sink: IntentSink,
        *,
        agent: str | None,
        overlap_s: int,
        report: Callable[[str], None],
    ) -> None:
        self.store = store
        self.sink = sink
        self.agent = agent
        self.overlap_s = overlap_s
        self.report = report
        self.state: MonitorState = store.load()
        self.lock = threading.RLock()
        self.delivered: Callable[[list[dict[str, Any]]], None] = lambda _intents: None

    def record(self, trader: str) -> TraderState | None:
        """A copy of the wallet's record (None before its first poll)."""
        with self.lock:
            known = self.state.traders.get(trader)
            return None if known is None else copy_record(known)

    def flush_pending(self) -> int:
        """Deliver the intents written ahead but maybe not delivered; how many."""
        with self.lock:
            pending = list(self.state.pending)
            if not pending:
                return 0
            self.state.output = self.sink.deliver(pending, self.state.output)
            self.state.pending = []
            self.store.save(self.state)
            self.delivered(pending)
            return len(pending)

    def apply(
        self, trader: str, trades: Iterable[Trade], *, seed: TraderState, watermark: bool
    ) -> tuple[list[dict[str, Any]], int, bool]:
        """Record a wallet's trades in the state (not yet saved): (new intents, skipped,
        whether the wallet's record changed).

        ``seed`` is the record to start from when the wallet has none yet; ``watermark``:
        whether the trades move the wallet's watermark (the Data API's poll window).
        """
        trades = list(trades)
        with self.lock:
            known = self.state.traders.get(trader)
            record = copy_record(known) if known is not None else seed
            if trades and watermark:
                newest = max(t.timestamp for t in trades)
                old = record.watermark
                record.watermark = newest if old is None else max(old, newest)
            intents: list[dict[str, Any]] = []
            skipped = 0
            for whole in trades:
                seen = record.handled.get(whole.intent_id)
                if seen is not None and whole.size <= seen.size:
                    continue  # nothing new of this order
                trade = whole
                if seen is not None:  # fills that showed up after its intent went out
                    trade = whole.late_part(seen.size, seen.notional, seen.parts + 1)
                    record.handled[whole.intent_id] = Handled(
                        seen.time, whole.size, seen.parts + 1, whole.notional
                    )
                else:
                    record.handled[whole.intent_id] = Handled(
                        whole.timestamp, whole.size, 0, whole.notional
                    )
                before = move_holdings(record, trade)
                try:
                    intent = to_intent(
                        trade, agent=self.agent, trader=trader, position_before=before
                    )
                except IntentFormatError as error:
                    skipped += 1
                    self.report(f"{trader}: skipped trade {trade.intent_id}: {error}")
                    continue
                intents.append(intent.to_wire())
            record.prune(self.overlap_s)
            changed = known is None or known.to_json() != record.to_json()
            if changed:
                self.state.traders[trader] = record
            return intents, skipped, changed

    def commit(self, intents: list[dict[str, Any]]) -> None:
        """Save the state with ``intents`` pending (write-ahead), then deliver them."""
        with self.lock:
            self.state.pending = [*self.state.pending, *intents]
            self.store.save(self.state)
            self.flush_pending()


def copy_record(record: TraderState) -> TraderState:
    """An independent copy of a wallet's record."""
    return TraderState(
        floor=record.floor,
        seeded_at=record.seeded_at,
        watermark=record.watermark,
        holdings=dict(record.holdings),
        handled=dict(record.handled),
    )


def move_holdings(record: TraderState, trade: Trade) -> Decimal | None:
    """The holding before the trade (None when the seed already holds it); moves it."""
    if trade.timestamp <= record.seeded_at:
        return None
    before = record.holdings.get(trade.asset, Decimal(0))
    after = max(before + trade.signed_size(), Decimal(0))
    if after:
        record.holdings[trade.asset] = after
    else:
        record.holdings.pop(trade.asset, None)  # nothing held: nothing to remember
    return before
