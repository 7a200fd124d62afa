"""What the contract needs of a venue under test: the real adapter, and a few hooks into its
fake server (the standard book, a stalled answer, a fill of a resting order, settlement).

Every harness shows one token with the standard book (:data:`BIDS`, :data:`ASKS`, tick 0.01,
minimum size 5) when the test starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from engine.ports import OrderRequest, VenuePort, VenueReport
from engine.values import OrderType, Side

D = Decimal
BIDS = (("0.45", "100"),)
ASKS = (("0.50", "100"), ("0.55", "100"))
RESTING_PRICE = "0.40"  # a BUY here crosses nothing: it rests
FEE_QUANTUM = D("0.000001")


@dataclass(frozen=True)
class Supports:
    """What a venue has, beyond what every venue must do."""

    stalled_answers: bool = True  # a call can time out after the venue took the order
    provisional_fills: bool = False  # fills are matched first, settled (or voided) later
    fok: bool = True  # it takes Tape's FOK (else the adapter denies one before sending, and
    # the harness has ``refuse_next_submit``: the venue says no to the next order)


class VenueHarness(Protocol):
    """A venue's real adapter on its fake server, and the hooks the contract uses."""

    venue: VenuePort
    token: str
    supports: Supports
    durable: bool  # what the adapter must declare
    fee_rate: Decimal  # a fill's fee is price * size * fee_rate (to the micro-dollar)

    def stall_next_submit(self) -> None:
        """The next order is taken, but its answer comes after the adapter gave up."""
        ...

    def fill_resting(self, report: VenueReport, size: Decimal) -> None:
        """Someone trades ``size`` against our resting order (at its price or better)."""
        ...

    def settle(self, report: VenueReport, *, failed: bool) -> None:
        """Every fill of the order settles (or fails to); only with provisional fills."""
        ...


def request(
    harness: VenueHarness,
    cid: str,
    order_type: OrderType,
    price: str,
    size: str,
    *,
    side: Side = Side.BUY,
) -> OrderRequest:
    """An order as the engine sends it, on the harness's token."""
    return OrderRequest(
        client_order_id=cid,
        venue=harness.venue.name,
        market_id="",
        token_id=harness.token,
        side=side,
        order_type=order_type,
        price=D(price),
        size=D(size),
    )


def filled(report: VenueReport) -> Decimal:
    """The size filled so far."""
    return sum((f.size for f in report.fills), D(0))


def fill_ids(report: VenueReport) -> list[str]:
    """The venue's ids of the order's fills."""
    return [f.venue_fill_id for f in report.fills]
