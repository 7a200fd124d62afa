"""The resolution poller: for every market where some agent still holds shares, ask its venue
whether it has resolved, and when it has, send the engine ``ResolveMarket``: the resolution is
recorded once (``MarketResolution.MarketResolved``, an input replay feeds again) and the
positions are settled exactly as a day file's ``resolution`` record settles them (the winning
token pays 1, the others 0; ``engine/settlement.py``).

It is adapter-side (the engine does no I/O) and runs beside the engine that owns the store:
``tape resolutions --poll`` alone, or inside ``tape follow``. A venue that cannot be read is
one line and the rest goes on; the next poll asks again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from adapters.control.cancels import cancel_order
from adapters.control.holdings import held_markets, open_orders
from engine import commands as c
from engine.service import TradingEngine

Resolved = tuple[str, str, str]
"""(venue, market, winning token)."""


class ResolutionSource(Protocol):
    """Where one venue's resolutions are read."""

    venue: str

    def winner(self, market_id: str, tokens: set[str]) -> str | None:
        """The market's winning token, or None while it has not resolved."""
        ...


@dataclass
class PollResult:
    """What one poll found: markets asked, resolutions recorded, markets that failed."""

    asked: int = 0
    resolved: list[str] = field(default_factory=list)  # one line per market settled
    failed: list[str] = field(default_factory=list)


class ResolutionPoller:
    """Polls the venues of the markets held, and settles those that resolved."""

    def __init__(
        self,
        engine: TradingEngine,
        sources: Mapping[str, ResolutionSource],
        *,
        report: Callable[[str], None] = lambda _line: None,
    ) -> None:
        self.engine = engine
        self.sources = dict(sources)
        self.report = report

    def held(self) -> list[tuple[str, str, set[str]]]:
        """(venue, market, tokens) of every market held on a venue with a source (a local
        read of the log)."""
        return [
            (venue, market_id, tokens)
            for (venue, market_id), tokens in sorted(held_markets(self.engine.app).items())
            if venue in self.sources
        ]

    def ask(self, held: list[tuple[str, str, set[str]]]) -> tuple[list[Resolved], PollResult]:
        """Ask each market's venue (network, no engine write): the resolved ones."""
        result = PollResult(asked=len(held))
        found: list[Resolved] = []
        for venue, market_id, tokens in held:
            try:
                winner = self.sources[venue].winner(market_id, tokens)
            except Exception as error:  # one market's answer never stops the poller
                line = f"{venue} {market_id}: resolution not read: {type(error).__name__}"
                result.failed.append(line)
                self.report(line)
                continue
            if winner is not None:
                found.append((venue, market_id, winner))
        return found, result

    def settle(self, found: list[Resolved], result: PollResult) -> PollResult:
        """Record and settle each resolution found."""
        for venue, market_id, winner in found:
            settlement = self.engine.handle(c.ResolveMarket(venue, market_id, winner))
            self._cancel_resting(venue, market_id)
            if not settlement.positions:
                continue
            line = (
                f"{venue} {market_id} resolved to {winner}: {len(settlement.positions)} "
                f"position(s) settled, realised PnL {settlement.realised_pnl}"
            )
            result.resolved.append(line)
            self.report(line)
        return result

    def _cancel_resting(self, venue: str, market_id: str) -> None:
        """Orders still resting in a market that ended can only trade at a dead price."""
        if not self.engine.has_open_orders:
            return
        for order in open_orders(self.engine.app, ids=self.engine.open_orders):
            if (order.venue, order.market_id) == (venue, market_id):
                outcome = cancel_order(self.engine, order.id, reason="market resolved")
                self.report(f"{venue} {market_id}: resting order {order.id}: {outcome}")

    def poll_once(self) -> PollResult:
        """Ask about every market held on a venue with a source; settle what resolved."""
        return self.settle(*self.ask(self.held()))

    def run(self, *, stop: threading.Event, interval: float) -> None:
        """Poll every ``interval`` seconds until ``stop`` is set."""
        while not stop.is_set():
            self.poll_once()
            stop.wait(interval)


class LockedPolling(threading.Thread):
    """The poller beside a server's engine (``tape serve --resolutions``): the log read and
    the settling under the engine's lock, the venues asked outside it (so intake never waits
    on Gamma or Kalshi). A daemon: it ends with the server."""

    def __init__(
        self,
        poller: ResolutionPoller,
        lock: threading.Lock,
        *,
        interval: float,
        stop: threading.Event | None = None,
    ) -> None:
        super().__init__(name="resolutions", daemon=True)
        self.poller = poller
        self.lock = lock
        self.interval = interval
        self.stop = stop or threading.Event()

    def run(self) -> None:
        """Poll until ``stop``."""
        while not self.stop.wait(self.interval):
            try:
                with self.lock:
                    held = self.poller.held()
                found, result = self.poller.ask(held)
                with self.lock:
                    self.poller.settle(found, result)
            except Exception as error:  # the server goes on; the next poll tries again
                self.poller.report(f"resolutions: {type(error).__name__}: {error}")
