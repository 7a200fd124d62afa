"""What a venue declares about itself: its instruments, credentials, factory, fees and checks.

A venue package (``adapters/<venue>/``) has a ``spec`` module holding one :class:`VenueSpec`
named ``SPEC``; ``adapters.venues.VENUE_PACKAGES`` lists the packages. Nothing here imports a
venue's client library: a spec is cheap to load, its ``build`` and ``health`` import what they
need when they run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from engine.ports import MarketData, VenuePort


@dataclass(frozen=True)
class Check:
    """One health check: its name, whether it passed, and the sentence that says so.

    ``fatal=False`` is a warning: printed, but the check still passes.
    """

    name: str
    ok: bool
    message: str
    fatal: bool = True


HealthLine = Check | str
"""What a venue's health check yields: a :class:`Check`, or a line of information."""


@dataclass(frozen=True)
class Credential:
    """One environment variable a venue reads to trade live."""

    variable: str
    secret: bool  # read as an engine.secrets.Secret, never shown
    required: bool = False  # live trading needs it (beside the key, see VenueSpec.key_variables)
    means: str = ""


@dataclass(frozen=True)
class InstrumentRules:
    """How a venue's instruments look. ``tick_size``/``size_step``: the grid when the venue
    fixes one for every market (None: per market, from its book)."""

    market_ids: str  # a regular expression every market id matches
    outcome_ids: str  # a regular expression every token id (outcome) matches
    describe: str = ""
    tick_size: Decimal | None = None
    size_step: Decimal | None = None

    def problem(self, market_id: str, token_id: str) -> str | None:
        """What is wrong with this instrument for the venue, or None."""
        if not re.fullmatch(self.market_ids, market_id):
            return f"market id {market_id!r} is not {self.describe or self.market_ids}"
        if not re.fullmatch(self.outcome_ids, token_id):
            return f"token id {token_id!r} is not {self.describe or self.outcome_ids}"
        return None


class FeeModel(Protocol):
    """What a fill costs on a venue (the paper venue charges it for that venue)."""

    def fee(self, price: Decimal, size: Decimal, rate: Decimal, *, token_id: str = "") -> Decimal:
        """The fee of one fill of ``token_id``; ``rate``: the configured paper fee rate
        (``paper_fee_rate``)."""
        ...


@dataclass(frozen=True)
class ProportionalFee:
    """The configured rate times the notional, to the micro-dollar (every venue today)."""

    quantum: Decimal = Decimal("0.000001")

    def fee(self, price: Decimal, size: Decimal, rate: Decimal, *, token_id: str = "") -> Decimal:
        """``price * size * rate``, rounded to ``quantum`` (the same for every token)."""
        return (price * size * rate).quantize(self.quantum)


PROPORTIONAL = ProportionalFee()


@runtime_checkable
class PricedMarketData(MarketData, Protocol):
    """Public market data that also knows the venue's fee schedule per token (Kalshi's fees
    are set per series): the paper venue on its live books charges that model."""

    def fee_model(self) -> FeeModel:
        """The fee model of fills on this venue's tokens."""
        ...


@dataclass(frozen=True)
class LiveVenue:
    """A live adapter as its factory builds it: the venue (orders) and its market data."""

    venue: VenuePort
    market_data: MarketData


def no_health(environ: Mapping[str, str], **probes: Any) -> Iterable[HealthLine]:
    """A venue with nothing to check."""
    return ()


@dataclass(frozen=True)
class VenueSpec:
    """Everything Tape needs to know about a venue, in one place.

    - ``key_variables``: the variables any one of which holds its signing key (the first set
      is used): set, the venue has credentials; ``credentials``: every variable it reads.
    - ``build(environ)``: its live adapter from the mapping it is handed (never
      ``os.environ``), or None when the mapping has no key; ``None`` itself: no live adapter
      is built yet (the venue trades on paper, whatever is set).
    - ``fee_model``: what the paper venue charges for this venue's fills.
    - ``durable``: its live adapter's orders outlive our process (every real venue).
    - ``health(environ, **probes)``: its checks, as lines (``probes`` replace network
      clients in tests).
    - ``simulator``: it stands in for the other venues (paper) and is no market of its own.
    - ``public_books(environ)``: its public market data (no key needed), which the paper venue
      fills against in a live run without keys (``adapters/paper/live_books.py``); None: the
      venue has none, and paper on it needs recorded books.
    """

    name: str
    instruments: InstrumentRules
    key_variables: tuple[str, ...] = ()
    credentials: tuple[Credential, ...] = ()
    build: Callable[[Mapping[str, str]], LiveVenue | None] | None = None
    fee_model: FeeModel = PROPORTIONAL
    durable: bool = True
    health: Callable[..., Iterable[HealthLine]] = no_health
    simulator: bool = False
    public_books: Callable[[Mapping[str, str]], MarketData | None] | None = None
    notes: tuple[str, ...] = field(default=())

    def key_in(self, environ: Mapping[str, str]) -> str | None:
        """The variable that holds this venue's key in ``environ``, or None."""
        return next((name for name in self.key_variables if environ.get(name)), None)
