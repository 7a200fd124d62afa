"""The Reconciliation aggregate: what a venue reported each time Tape asked it about an order.

It is kept apart from the Order so that an order's own events (and their versions) are the same
whether or not a restart made Tape ask: the venue's report is recorded here, then applied to the
order as the ordinary venue answers (acceptance, fills, closure).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from engine.aggregate import TapeAggregate
from engine.ids import reconciliation_uuid


class Reconciliation(TapeAggregate):
    """The reconciliation record of one order."""

    @staticmethod
    def create_id(order_id: str) -> UUID:
        """uuid5 of the order id."""
        return reconciliation_uuid(order_id)

    class ReconciliationOpened(TapeAggregate.Created):
        """The first time Tape asked the venue about this order."""

        order_id: str
        venue: str
        client_order_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.order_id = self.order_id
            aggregate.venue = self.venue
            aggregate.client_order_id = self.client_order_id
            aggregate.reports = 0

    class VenueReported(TapeAggregate.Event):
        """The venue's answer: whether it knows the order, its status there, how many fills,
        and what Tape did about it."""

        found: bool
        venue_status: str
        fills: int
        action: str

        def apply(self, aggregate: Any) -> None:
            aggregate.reports += 1

    if TYPE_CHECKING:
        order_id: str
        venue: str
        client_order_id: str
        reports: int

    @classmethod
    def open(
        cls, *, order_id: str, venue: str, client_order_id: str, at: datetime
    ) -> Reconciliation:
        """Start the reconciliation record of an order."""
        return cls._create(
            cls.ReconciliationOpened,
            order_id=order_id,
            venue=venue,
            client_order_id=client_order_id,
            timestamp=at,
        )

    def reported(
        self, *, found: bool, venue_status: str, fills: int, action: str, at: datetime
    ) -> None:
        """Record one report of the venue."""
        self.trigger_event(
            self.VenueReported,
            found=found,
            venue_status=venue_status,
            fills=fills,
            action=action,
            timestamp=at,
        )
