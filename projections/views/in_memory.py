"""Every view folded in memory, in one pass over the log: what ``--as-of``, the run summary,
the report and the crash harness read. The folds are the registry's, over plain dicts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from projections.logs import LogSource, read_logs
from projections.rows import event_name
from projections.views.balances import BalancesView
from projections.views.intents import IntentsView
from projections.views.marks import MarksView
from projections.views.orders import OrdersView
from projections.views.positions import PositionsView
from projections.views.purchases import PurchasesView


@dataclass
class LogViews:
    """Every view, folded in one pass over the log."""

    orders: OrdersView = field(default_factory=OrdersView)
    intents: IntentsView = field(default_factory=IntentsView)
    positions: PositionsView = field(default_factory=PositionsView)
    marks: MarksView = field(default_factory=MarksView)
    balances: BalancesView = field(default_factory=BalancesView)
    purchases: PurchasesView = field(default_factory=PurchasesView)
    events: int = 0
    names: dict[str, int] = field(default_factory=dict)

    def apply(self, event: Any) -> None:
        """Fold one event into every view."""
        self.events += 1
        name = event_name(event)
        self.names[name] = self.names.get(name, 0) + 1
        self.orders.apply(event)
        self.intents.apply(event)
        self.positions.apply(event)
        self.marks.apply(event)
        self.balances.apply(event)
        self.purchases.apply(event)

    @classmethod
    def build(
        cls, logs: LogSource | Sequence[LogSource], *, until: datetime | None = None
    ) -> LogViews:
        """Fold the whole log (of one application, or the union of several); with ``until``,
        only the events stamped at or before it (the state as it was at that time)."""
        views = cls()
        for event in read_logs(logs):
            if until is None or event.timestamp <= until:
                views.apply(event)
        return views
