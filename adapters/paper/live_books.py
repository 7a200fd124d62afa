"""Paper trading against live public books: the paper venue of a venue without keys, its
books read from the venue's public market data at the decision.

A venue declares its public books in its spec (``VenueSpec.public_books(environ)``). In a live
run (``tape serve``, ``tape ingest``) the composition root wraps the in-process paper venues
in :class:`PaperOnLiveBooks`: when the engine asks for a token's book at a decision, the book
is read from the venue now and handed to the paper venue (``on_book``) if it differs from the
one it holds (so what an account's own orders took stays taken until the venue's book
changes); the order then fills against that very book, and the verdict records it, as with
recorded books. Resting orders are matched against a fresh book of their token whenever the
engine polls for reports. A book that cannot be read is None: the engine denies (no book).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.paper.venue import PaperVenue, PaperVenues
from adapters.venues.spec import PricedMarketData
from engine.ports import MarketData, OrderRequest, VenueReport
from engine.values import Book


class LiveBookPaperVenue:
    """A paper venue whose resting orders are matched against fresh live books on poll."""

    durable = False

    def __init__(self, paper: PaperVenue, owner: PaperOnLiveBooks) -> None:
        self.paper = paper
        self.owner = owner
        self.name = paper.name

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Fill against the book read at the decision (the one the verdict recorded)."""
        return self.paper.submit(request, at=at)

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """What the paper ledger holds."""
        return self.paper.order_status(client_order_id, at=at)

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Read the live book of every token with resting orders, then the paper reports."""
        for token in self.paper.resting_tokens():
            self.owner.refresh(self.name, token, at=at)
        return self.paper.poll_reports(at=at, accounts=accounts)

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Cancel on the paper ledger."""
        return self.paper.cancel(client_order_id, at=at)


class PaperOnLiveBooks:
    """The paper venues, with the books of the venues in ``sources`` read live."""

    def __init__(self, paper: PaperVenues, sources: Mapping[str, MarketData]) -> None:
        self.paper = paper
        self.sources = dict(sources)
        self._venues: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.sources:
            return self.paper[name]
        venue = self._venues.get(name)
        if venue is None:
            paper = self.paper[name]
            source = self.sources[name]
            if isinstance(source, PricedMarketData):  # the venue's own fee schedule, live
                paper.fee_model = source.fee_model()
            venue = self._venues[name] = LiveBookPaperVenue(paper, self)
        return venue

    def refresh(self, venue: str, token_id: str, *, at: datetime | None = None) -> bool:
        """Read the token's live book; hand it to the paper venue if it changed. Whether a
        book could be read."""
        fresh = self.sources[venue].book(venue, token_id, at=at)
        if fresh is None:
            return False
        paper = self.paper[venue]
        held = paper.books.get(token_id)
        if held is None or not held.same_market(fresh):
            paper.on_book(fresh)
        return True

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The live book of a token (as ``account`` sees it on paper), read now; the paper
        venue's own book for venues without a public source. None when it cannot be read."""
        if venue in self.sources and not self.refresh(venue, token_id, at=at):
            return None
        return self.paper.book(venue, token_id, at=at, account=account)


def live_book_sources(environ: Mapping[str, str], venues: Any) -> dict[str, MarketData]:
    """The public market data of each venue spec in ``venues`` that declares some."""
    sources = {}
    for spec in venues:
        if spec.public_books is None:
            continue
        source = spec.public_books(environ)
        if source is not None:
            sources[spec.name] = source
    return sources
