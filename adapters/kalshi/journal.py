"""Each Kalshi order written down (fsynced) before it is sent.

Kalshi keeps our ``client_order_id``, but its order list is filtered by ticker, not by client
id. The journal holds, per engine client order id, the ticker and the exact V2 body, so that
after a crash ``order_status`` knows where to look, and a resubmission sends the very same
body (the same client id: Kalshi answers 409 if it has it). A ``final`` line marks an order
that is closed (or refused, with its code), so a restart stops following it. Nothing secret
is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.venues.journal import OrderJournal as VenueJournal


@dataclass(frozen=True)
class JournalEntry:
    """One order as it was (to be) sent."""

    client_order_id: str
    token_id: str
    order_type: str
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ticker(self) -> str:
        """The market's ticker."""
        return str(self.body["ticker"])

    @property
    def kalshi_id(self) -> str:
        """The ``client_order_id`` Kalshi holds."""
        return str(self.body["client_order_id"])


class OrderJournal(VenueJournal[JournalEntry]):
    """The journal of this venue's orders (in memory only when ``path`` is None)."""

    entry_type = JournalEntry
