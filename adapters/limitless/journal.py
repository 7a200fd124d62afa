"""The order journal: every signed order's fields, written (fsynced) before it is sent.

Limitless has client order ids, but its order queries are per market: ``order_status`` needs
the market of an id, and a re-send after a crash must be the *identical* signed order (same
salt, amounts, fee rate and exchange), which the venue refuses with 409 if it has it. One JSON
line per order in ``orders-<address>.jsonl``; a ``final`` line once the order is closed and its
fills settled. Nothing secret is written (not even the signature).
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.venues.journal import OrderJournal as VenueJournal


@dataclass(frozen=True)
class JournalEntry:
    """One signed order, as written before it was sent."""

    client_order_id: str
    slug: str
    token_id: str
    side: str
    order_type: str
    price: str
    size: str
    exchange: str
    salt: int
    maker_amount: int
    taker_amount: int
    fee_rate_bps: int
    owner_id: int


class OrderJournal(VenueJournal[JournalEntry]):
    """The journal of this venue's orders (in memory only when ``path`` is None)."""

    entry_type = JournalEntry
