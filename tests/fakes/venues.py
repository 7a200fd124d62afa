"""Fake venues: one base that does nothing, and the behaviours tests need from it.

Every fake is a full ``engine.ports.VenuePort``: what a subclass does not override answers
"nothing there" (no status, no reports, nothing to cancel).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from engine.ports import OrderRequest, VenueFill, VenueReport, VenueUncertainError

VENUE = "polymarket"


class FakeVenue:
    """A venue that knows no order and has no report; ``reports`` are handed out by
    ``poll_reports`` every time it is called (a venue that cannot filter by agent)."""

    durable = True

    def __init__(self, *, name: str = VENUE, reports: list[VenueReport] | None = None) -> None:
        self.name = name
        self.reports = list(reports or [])

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Not expected: a subclass that takes orders overrides it."""
        raise AssertionError("not called")

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """Never seen."""
        return None

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """The reports it was given, whatever the accounts."""
        return list(self.reports)

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Nothing to cancel."""
        return None


class AcceptingVenue(FakeVenue):
    """Takes every order and reports no fill yet (a resting order)."""

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Accepted, resting."""
        return VenueReport(
            client_order_id=request.client_order_id, accepted=True, venue_order_id="rest-1"
        )


class UnreachableVenue(FakeVenue):
    """Every order and status call times out; ``numbered``: the n-th order's error says
    ``<message> #n``."""

    def __init__(self, message: str = "timeout", *, numbered: bool = True) -> None:
        super().__init__()
        self.message = message
        self.numbered = numbered
        self.calls = 0

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Times out."""
        self.calls += 1
        raise VenueUncertainError(
            f"{self.message} #{self.calls}" if self.numbered else self.message
        )

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """Times out."""
        raise VenueUncertainError(self.message)


class ProvisionalVenue(FakeVenue):
    """Fills every order at once, provisionally, and closes it; ``report`` says what it says
    of an order later (confirmed or voided). Ids may name the client order id as ``{cid}``."""

    def __init__(
        self,
        *,
        fee: Decimal = Decimal("0.01"),
        fill_id: str = "t-{cid}",
        venue_order_id: str = "v-{cid}",
    ) -> None:
        super().__init__()
        self.fee = fee
        self.fill_id = fill_id
        self.venue_order_id = venue_order_id
        self.requests: dict[str, OrderRequest] = {}
        self.request: OrderRequest | None = None  # the latest

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Take an order: filled, provisionally."""
        self.requests[request.client_order_id] = self.request = request
        return self.report(request.client_order_id, provisional=True)

    def report(
        self, client_id: str | None = None, *, provisional: bool, voided: bool = False
    ) -> VenueReport:
        """What the venue says of an order now (None: the latest)."""
        request = self.requests[client_id] if client_id is not None else self.request
        assert request is not None
        cid = request.client_order_id
        fill_id = self.fill_id.format(cid=cid)
        fill = VenueFill(fill_id, request.price, request.size, self.fee, provisional)
        return VenueReport(
            client_order_id=cid,
            accepted=True,
            venue_order_id=self.venue_order_id.format(cid=cid),
            fills=(fill,),
            closed=True,
            close_reason="FAK remainder",
            voided_fills=(fill_id,) if voided else (),
        )
