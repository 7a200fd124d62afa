"""The template venue's ``VenuePort`` and ``MarketData``: every method says what it must do.

Keep the key a :class:`engine.secrets.Secret` from the moment it is read; a refusal the venue
gives is a *Rejected* report (``accepted=False`` with the venue's code), never an exception;
no answer, a 5xx, or a timeout is :class:`engine.ports.VenueUncertainError`.
"""

from __future__ import annotations

from datetime import datetime

from engine.ports import OrderRequest, VenueReport
from engine.secrets import Secret
from engine.values import Book


class TemplateVenue:
    """``engine.ports.VenuePort`` on the template venue."""

    durable = True
    """The venue keeps our orders whatever happens to our process (every real venue)."""

    def __init__(self, url: str, key: str, market_data: TemplateMarketData) -> None:
        self.name = "template"
        self.url = url
        self.key = Secret("TEMPLATE_PRIVATE_KEY", key)
        self.market_data = market_data

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Send one order, idempotently by ``request.client_order_id`` (the venue's client
        order id, or a journal written before sending): a second submit of the same id must
        never trade twice. Answer with its fills, or ``accepted=False`` and the venue's
        code; raise VenueUncertainError when the outcome is unknown."""
        raise NotImplementedError

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """The venue's whole report of an order we sent (all fills so far, closed or not),
        found by its client order id; None when the venue never received it."""
        raise NotImplementedError

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Reports of orders whose state changed since the last call (fills of resting
        orders, cancels, settlements); ``accounts`` may be ignored by a live venue."""
        raise NotImplementedError

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Cancel a resting order; its report after (closed), or None if never received."""
        raise NotImplementedError


class TemplateMarketData:
    """``engine.ports.MarketData`` from the template venue's public book."""

    def __init__(self, url: str) -> None:
        self.url = url

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The token's book now, best level first on both sides, with the market's tick,
        minimum size and size step; None when the venue has no such token."""
        raise NotImplementedError
