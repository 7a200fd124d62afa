"""Wire every registered venue: its live adapter when its keys are set, paper otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adapters.credentials import venue_modes
from adapters.routing import RoutedVenues
from adapters.venues.registry import market_venues
from adapters.venues.spec import LiveVenue


@dataclass(frozen=True)
class WiredVenues:
    """What the composition root needs: the venues to route to, which of them are live, and
    one line per venue saying how Tape trades there."""

    routed: RoutedVenues
    live_names: frozenset[str]
    mode_lines: tuple[str, ...]


def live_venues(environ: Mapping[str, str]) -> dict[str, LiveVenue]:
    """The live adapters the mapping has credentials for (each venue's ``build``).

    Raises the venue's ``ConfigError`` when its configuration is set but unusable.
    """
    live = {}
    for spec in market_venues():
        if spec.build is None:
            continue
        built = spec.build(environ)
        if built is not None:
            live[spec.name] = built
    return live


def wire_venues(
    environ: Mapping[str, str], *, paper: Any, paper_only: bool, live_books: bool = False
) -> WiredVenues:
    """Route every registered venue: live where its keys are in ``environ`` (unless
    ``paper_only``), else to ``paper`` (the in-process or HTTP paper venues). ``live_books``
    (a live run on in-process paper venues): a paper venue's books come from its venue's
    public market data at each decision, for venues that declare some (``public_books``)."""
    live = {} if paper_only else live_venues(environ)
    names = frozenset(live)
    modes = venue_modes(environ, live=set(names), paper_only=paper_only)
    if live_books:
        from adapters.paper.live_books import PaperOnLiveBooks, live_book_sources  # noqa: PLC0415

        specs = [spec for spec in market_venues() if spec.name not in names]
        sources = live_book_sources(environ, specs)
        if sources:
            paper = PaperOnLiveBooks(paper, sources)
            modes = [
                f"{line} against its live public books" if line.split(":")[0] in sources else line
                for line in modes
            ]
    return WiredVenues(RoutedVenues(paper, live), names, tuple(modes))
