"""The order journal: client order id -> signed order hash, written before the order is sent.

Polymarket has no client order id. The venue's id of an order is the EIP-712 hash of the
signed order, and the signed order holds a millisecond timestamp, so the hash cannot be
recomputed later from the engine's order alone. The adapter therefore appends one JSON line
per signed order to ``orders.jsonl`` (flushed and fsynced) **before** the POST, and reads the
file back on start. ``order_status(client_order_id)`` looks the hash up here and asks the venue
about that hash; a client order id that is not in the journal was never sent. A later
``final`` line marks an order whose fills are all settled, so a restart stops following it.

The salt of each order is derived from the client order id (sha256), so a journal line can be
checked against the order it names. Nothing secret is written: the order's fields and its
hash (the signature is not kept).
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.venues.journal import OrderJournal as VenueJournal


@dataclass(frozen=True)
class JournalEntry:
    """One signed order, as written before it was sent."""

    client_order_id: str
    order_hash: str
    token_id: str
    market_id: str
    side: str
    order_type: str
    price: str
    size: str
    neg_risk: bool
    maker_amount: int
    taker_amount: int
    salt: int
    timestamp_ms: int


class OrderJournal(VenueJournal[JournalEntry]):
    """The journal of this venue's orders (in memory only when ``path`` is None)."""

    entry_type = JournalEntry
