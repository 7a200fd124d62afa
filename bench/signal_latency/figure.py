"""The measurement: a local chain mining blocks, a lagging fake Data API, three pipelines."""

from __future__ import annotations

import random
import shutil
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from adapters.polymarket.market_data import GammaClient
from adapters.polymarket_chain.reader import ChainReader
from adapters.polymarket_chain.source import ChainSettings, ChainSource
from adapters.polymarket_chain.tokens import TokenDirectory
from adapters.polymarket_data import Backoff, DataApiClient, Monitor, MonitorSettings, StateStore
from adapters.polymarket_data.emitter import Emitter
from adapters.polymarket_data.monitor import DEFAULT_INTERVAL_S
from adapters.polymarket_data.state import TraderState
from bench.figures.measure import latency_stats
from bench.signal_latency.pipeline import Pipeline, deep_book
from tests.chain_trades import Placed, place
from tests.fake_chain import ChainServer, LocalChain, gamma_market
from tests.fake_data_api import FakeDataApi, serve_fake, trade_row

WALLET = "0x" + "5e" * 20
MARKET = "0x" + "5a" * 32
YES, NO = 5001, 5002
CHAIN_INTERVAL_S = 1.0


class Trading:
    """Mines a block every ``block_s``; most blocks hold a trade of the wallet (a buy: its copy
    always places an order), whose release (the block's mining) is noted and whose Data API row
    shows ``lag_s`` later."""

    def __init__(
        self, server: ChainServer, api: FakeDataApi, *, trades: int, block_s: float, lag_s: float
    ) -> None:
        self.server, self.api = server, api
        self.trades, self.block_s, self.lag_s = trades, block_s, lag_s
        self.released: dict[str, float] = {}
        self.placed: list[Placed] = []
        self.stop = threading.Event()
        self.rng = random.Random(7)

    def run(self) -> None:
        """Until stopped: a block per tick, a trade in 7 of 10 of them until done."""
        chain = self.server.chain
        while not self.stop.wait(self.block_s):
            if len(self.placed) < self.trades and self.rng.random() < 0.7:
                shares = self.rng.randrange(5, 200) * 1_000_000
                placed = place(
                    chain, WALLET, token=self.rng.choice([YES, NO]),
                    side="BUY",  # a copied buy always places an order (a sell needs a holding)
                    fills=[(shares, shares * self.rng.randrange(20, 80) // 100)],
                )  # fmt: skip
                self.released[placed.tx_hash] = time.perf_counter()  # its block is mined now
                self.placed.append(placed)
                self.api.add_rows(WALLET, [_row(placed, chain)], delay_s=self.lag_s)
            else:
                chain.mine(1)


def _row(placed: Placed, chain: LocalChain) -> dict[str, Any]:
    return trade_row(
        WALLET, tx_hash=placed.tx_hash, asset=str(placed.token), side=placed.side,
        size=float(placed.size), price=float(placed.price),
        timestamp=chain.block_time(placed.block), outcome="Yes" if placed.token == YES else "No",
        condition_id=MARKET,
    )  # fmt: skip


def _quiet(_message: str) -> None:
    return


def signal_latency(params: Mapping[str, Any]) -> dict[str, Any]:
    """Run the three pipelines on the same trades; p50/p99 from fill to venue per source."""
    home = Path(params["home"])
    shutil.rmtree(home, ignore_errors=True)  # every pipeline starts with no state
    trades, block_s, lag_s = (
        int(params["trades"]),
        float(params["block_s"]),
        float(params["data_lag_s"]),
    )
    market = gamma_market(MARKET, (YES, NO), ("Yes", "No"))
    server = ChainServer(LocalChain(), {str(YES): market, str(NO): market})
    books = [deep_book(str(YES), MARKET), deep_book(str(NO), MARKET)]
    stop = threading.Event()
    with serve_fake(FakeDataApi()) as data:
        trading = Trading(server, data.api, trades=trades, block_s=block_s, lag_s=lag_s)
        runners: list[tuple[str, Pipeline, Any]] = []
        start_block = server.chain.head() + 1
        for name, confirmations in (("chain, 0 confirmations", 0), ("chain, 2 confirmations", 2)):
            pipeline = Pipeline(
                name, home / name.replace(", ", "-").replace(" ", "_"), WALLET, books
            )
            emitter = Emitter(
                StateStore(pipeline.home / "monitor"), pipeline.sink(trading.released.get),
                agent="copy", overlap_s=300, report=_quiet,
            )  # fmt: skip
            source = ChainSource(
                ChainReader.connect(server.origin),
                TokenDirectory(GammaClient(server.gamma_url), {}),
                emitter,
                ChainSettings(traders=(WALLET,), exchanges=server.chain.exchanges,
                              confirmations=confirmations, from_block=start_block),
                seed=lambda _t: TraderState(floor=0, seeded_at=0),
                report=_quiet, stop=stop,
            )  # fmt: skip
            runners.append((name, pipeline, lambda s=source: s.run(interval=CHAIN_INTERVAL_S)))
        pipeline = Pipeline("data-api", home / "data-api", WALLET, books)
        monitor = Monitor(
            DataApiClient(data.url, backoff=Backoff(base=0.05), stop=stop),
            StateStore(pipeline.home / "monitor"), pipeline.sink(trading.released.get),
            MonitorSettings(traders=(WALLET,), agent="copy", overlap_s=300,
                            since=int(time.time()) - 5),
            report=_quiet, stop=stop,
        )  # fmt: skip
        runners.append(("data-api", pipeline, lambda: monitor.run(interval=DEFAULT_INTERVAL_S)))
        threads = [threading.Thread(target=run, daemon=True) for _, _, run in runners]
        for thread in threads:
            thread.start()
        ticker = threading.Thread(target=trading.run, daemon=True)
        started = time.perf_counter()
        ticker.start()
        deadline = started + trades * block_s * 4 + lag_s + 60
        while time.perf_counter() < deadline:
            done = len(trading.placed) >= trades and all(
                len(p.latencies) >= trades for _, p, _ in runners
            )
            if done:
                break
            time.sleep(0.1)
        trading.stop.set()
        stop.set()
        ticker.join()
        for thread in threads:
            thread.join(timeout=30)
    server.stop()
    sources = {}
    for name, pipeline, _ in runners:
        sources[name] = {
            "copied": len(pipeline.latencies),
            "to_venue": latency_stats(list(pipeline.latencies.values())),
        }
        pipeline.close()
    return {
        "trades": len(trading.placed),
        "block_s": block_s,
        "data_lag_s": lag_s,
        "data_poll_s": DEFAULT_INTERVAL_S,
        "chain_poll_s": CHAIN_INTERVAL_S,
        "seconds": round(time.perf_counter() - started, 1),
        "sources": sources,
    }
