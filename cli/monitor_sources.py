"""``tape monitor --source``: the Data API monitor, the chain source, or both on one state.

Both sources share one :class:`~adapters.polymarket_data.emitter.Emitter` (the state file, its
lock, the sink), so a trade either of them sees first is emitted once. With both, the chain
source polls in a thread of its own (every ``--chain-interval`` seconds) beside the Data API's
poll loop; a stop signal ends both.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from adapters.polymarket.market_data import GammaClient
from adapters.polymarket_chain.abi import default_exchanges
from adapters.polymarket_chain.reader import ChainReader
from adapters.polymarket_chain.source import ChainSettings, ChainSource, tolerant_seed
from adapters.polymarket_chain.tokens import TokenDirectory
from adapters.polymarket_data import CycleStats, DataApiError, Monitor
from adapters.settings import Settings

SOURCES = ("data-api", "chain", "both")


@dataclass(frozen=True)
class ChainOptions:
    """The chain source's command-line options."""

    confirmations: int
    from_block: int | None
    interval: float
    exchanges: tuple[str, ...]
    max_range: int


def chain_source(
    settings: Settings, monitor: Monitor, options: ChainOptions, report: Callable[[str], None]
) -> ChainSource:
    """The chain source on the monitor's emitter, seeded like the monitor (``/positions``)."""
    overlap = monitor.settings.overlap_s
    since = monitor.settings.since
    tokens = TokenDirectory(
        GammaClient(settings.monitor.gamma_url),
        dict(monitor.emitter.state.chain.get("tokens", {})),
    )
    return ChainSource(
        ChainReader.connect(settings.monitor.rpc_url),
        tokens,
        monitor.emitter,
        ChainSettings(
            traders=monitor.settings.traders,
            exchanges=options.exchanges or default_exchanges(),
            confirmations=options.confirmations,
            from_block=options.from_block,
            max_range=options.max_range,
        ),
        seed=tolerant_seed(
            monitor.seed,
            floor=lambda: since if since is not None else int(time.time()) - overlap,
            report=report,
            errors=(DataApiError,),
        ),
        report=report,
        stop=monitor.stop,
    )


def run_sources(
    source: str,
    monitor: Monitor,
    chain: ChainSource | None,
    *,
    interval: float,
    chain_interval: float,
    once: bool,
) -> CycleStats:
    """Run the chosen sources until stopped (or once); the Data API's stats, or the chain's
    as CycleStats."""
    if source == "data-api" or chain is None:
        return monitor.run(interval=interval, once=once)
    if source == "chain":
        found = chain.run(interval=chain_interval, once=once)
        failed = ["chain"] if found.errors else []
        return CycleStats(emitted=found.emitted, unreachable=failed, skipped=found.skipped)
    if once:
        found = chain.run(once=True)
        stats = monitor.run(interval=interval, once=True)
        stats.emitted += found.emitted
        stats.unreachable += ["chain"] if found.errors else []
        return stats
    failures: list[Exception] = []

    def chain_loop() -> None:
        try:
            chain.run(interval=chain_interval)
        except Exception as error:  # a sink that refuses, or a bug: stop both, say it below
            failures.append(error)
            monitor.stop.set()

    thread = threading.Thread(target=chain_loop, name="chain-source", daemon=True)
    thread.start()
    try:
        stats = monitor.run(interval=interval)
    finally:
        monitor.stop.set()
        thread.join()
    if failures:
        raise failures[0]
    return stats
