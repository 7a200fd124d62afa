"""The chain source beside the Data API monitor (one state, one emitter) and as ``tape monitor
--source``: each trade emitted once whichever source sees it first, across kills."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from adapters.polymarket_data import Backoff, DataApiClient, Monitor, MonitorSettings
from cli.main import cli
from engine.values import dec_str
from tests.chain_trades import Placed, place
from tests.fake_chain import ChainServer, LocalChain, gamma_market
from tests.fake_data_api import FakeDataApi, RunningFake, serve_fake, trade_row
from tests.test_chain_source import Reports, make_emitter, make_source, read

REPO = Path(__file__).resolve().parent.parent
TAPE = [sys.executable, "-m", "cli.main"]
WALLET = "0x" + "c3" * 20
MARKET = "0x" + "0c" * 32
YES, NO = 3001, 3002


@pytest.fixture(scope="module")
def server() -> Iterator[ChainServer]:
    """A local chain and its node, with one market on Gamma."""
    market = gamma_market(MARKET, (YES, NO), ("Yes", "No"))
    running = ChainServer(LocalChain(), {str(YES): market, str(NO): market})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def data_api() -> Iterator[RunningFake]:
    """An empty fake Data API (the trades are added as they are placed on chain)."""
    with serve_fake(FakeDataApi()) as running:
        yield running


def data_row(placed: Placed, chain: LocalChain) -> dict[str, Any]:
    """The Data API's TRADE row of a trade placed on chain."""
    return trade_row(
        placed.wallet,
        tx_hash=placed.tx_hash,
        asset=str(placed.token),
        side=placed.side,
        size=float(placed.size),
        price=float(placed.price),
        timestamp=chain.block_time(placed.block),
        outcome="Yes" if placed.token == YES else "No",
        condition_id=MARKET,
    )


def random_trade(chain: LocalChain, rng: random.Random) -> Placed:
    """A trade of WALLET: either role, either side, one to three fills."""
    shares = [rng.randrange(1, 90) * 1_000_000 for _ in range(rng.choice([1, 1, 2, 3]))]
    fills = [(n, n * rng.randrange(5, 95) // 100) for n in shares]  # prices 0.05 to 0.94
    return place(chain, WALLET, token=rng.choice([YES, NO]), side=rng.choice(["BUY", "SELL"]),
                 role=rng.choice(["maker", "taker"]), fills=fills)  # fmt: skip


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)  # shrinking a chain is slow
@given(st.randoms(use_true_random=False), st.integers(1, 6))
def test_both_sources_on_one_state_emit_each_trade_once_in_any_order(
    server: ChainServer,
    data_api: RunningFake,
    tmp_path_factory: pytest.TempPathFactory,
    rng: random.Random,
    trades: int,
) -> None:
    chain, folder = server.chain, tmp_path_factory.mktemp("both")
    with data_api.api.lock:
        data_api.api.activity.clear()  # each example is a new day of the Data API
    out, reports = folder / "out.jsonl", Reports()
    emitter = make_emitter(folder / "state", out, reports)
    chain_source = make_source(server, emitter, (WALLET,), reports=reports)
    client = DataApiClient(data_api.url, backoff=Backoff(base=0.01, attempts=3))
    settings_ = MonitorSettings(traders=(WALLET,), agent="copy", overlap_s=300, since=0)
    monitor = Monitor(client, emitter.store, emitter.sink, settings_, report=reports,
                      emitter=emitter)  # fmt: skip
    chain_source.poll_once()
    placed = []
    for _ in range(trades):
        trade = random_trade(chain, rng)
        placed.append(trade)
        if rng.random() < 0.8:  # the Data API shows most of them, some before the chain is read
            data_api.api.add_rows(WALLET, [data_row(trade, chain)])
        for _ in range(rng.randrange(3)):
            rng.choice([chain_source.poll_once, monitor.poll_once])()
    chain_source.poll_once()
    monitor.poll_once()
    intents = read(out)
    counts = Counter(i["intent_id"] for i in intents)
    assert counts == {p.intent_id: 1 for p in placed}
    by_id = {i["intent_id"]: i for i in intents}
    for trade in placed:  # whichever source emitted it, it says the same trade
        assert by_id[trade.intent_id]["size"] == dec_str(trade.size)
    assert reports == []


def tape_env(server: ChainServer, data_url: str, home: Path) -> dict[str, str]:
    """The environment of a ``tape monitor`` process on the local chain."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TAPE_", "POLYMARKET_", "POLYGON_"))
    }
    env.update(
        {
            "TAPE_HOME": str(home),
            "PYTHONPATH": str(REPO),
            "POLYMARKET_DATA_URL": data_url,
            "POLYGON_RPC_URL": server.origin,
            "POLYMARKET_GAMMA_URL": server.gamma_url,
        }
    )
    return env


def test_the_command_survives_kills_and_copies_every_trade_once_from_both_sources(
    server: ChainServer, data_api: RunningFake, tmp_path: Path
) -> None:
    chain, rng = server.chain, random.Random(20261201)
    out, home = tmp_path / "intents.jsonl", tmp_path / "home"
    args = [*TAPE, "monitor", "--follow", WALLET, "--out", str(out), "--source", "both",
            "--from-block", str(chain.head() + 1), "--confirmations", "1",
            "--chain-interval", "0.05", "--interval", "0.2", "--since", "0",
            "--backoff-base", "0.01", "--agent", "copy"]  # fmt: skip
    for address in chain.exchanges:
        args += ["--exchange", address]
    env = tape_env(server, data_api.url, home)
    placed: list[Placed] = []
    stop = threading.Event()

    def trading() -> None:
        while not stop.wait(rng.uniform(0.02, 0.1)):
            trade = random_trade(chain, rng)
            placed.append(trade)
            if rng.random() < 0.5:
                data_api.api.add_rows(WALLET, [data_row(trade, chain)])

    trader = threading.Thread(target=trading, daemon=True)
    with data_api.api.lock:
        data_api.api.activity.clear()
    trader.start()
    try:
        for _ in range(4):
            process = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
            assert process.stderr is not None
            started = process.stderr.readline()
            assert "following 1 wallet(s)" in started, started
            time.sleep(rng.uniform(0.3, 1.5))
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            stderr = process.stderr.read()
            process.stderr.close()
            assert "Traceback" not in stderr, stderr
    finally:
        stop.set()
        trader.join()
    chain.mine(1)  # the last trade gets its confirmation
    final = subprocess.run([*args, "--once"], env=env, capture_output=True, text=True,
                           timeout=120, check=False)  # fmt: skip
    assert final.returncode == 0, final.stderr
    intents = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    counts = Counter(i["intent_id"] for i in intents)
    assert [k for k, n in counts.items() if n > 1] == []
    assert set(counts) == {p.intent_id for p in placed}
    assert len(placed) > 15
    state = json.loads((home / "monitor" / "state.json").read_text(encoding="utf-8"))
    assert state["chain"]["next_block"] == chain.head()  # resumed to the last safe block


def test_the_command_says_when_the_node_fails_and_exits_1_after_one_poll(
    server: ChainServer, data_api: RunningFake, tmp_path: Path
) -> None:
    env = tape_env(server, data_api.url, tmp_path / "home")
    args = ["monitor", "--follow", WALLET, "--out", str(tmp_path / "out.jsonl"),
            "--source", "chain", "--once"]  # fmt: skip
    server.down = True
    try:
        failed = CliRunner().invoke(cli, args, env=env)
    finally:
        server.down = False
    assert failed.exit_code == 1, failed.output
    assert "chain: eth_" in failed.stderr
    assert server.origin not in failed.stderr  # a node's URL can hold its API key
    chain = server.chain
    first = chain.head() + 1
    trade = random_trade(chain, random.Random(3))
    chain.mine(2)
    exchanges = [x for address in chain.exchanges for x in ("--exchange", address)]
    ok = CliRunner().invoke(cli, [*args, "--from-block", str(first), *exchanges], env=env)
    assert ok.exit_code == 0, ok.output
    assert "1 intent(s) emitted" in ok.stdout
    assert [i["intent_id"] for i in read(tmp_path / "out.jsonl")] == [trade.intent_id]


def test_an_order_the_data_api_showed_in_part_is_completed_by_the_chain_as_its_follow_up(
    server: ChainServer, data_api: RunningFake, tmp_path: Path
) -> None:
    chain, out, reports = server.chain, tmp_path / "out.jsonl", Reports()
    with data_api.api.lock:
        data_api.api.activity.clear()
    emitter = make_emitter(tmp_path / "state", out, reports)
    chain_source = make_source(server, emitter, (WALLET,), reports=reports)
    client = DataApiClient(data_api.url, backoff=Backoff(base=0.01, attempts=3))
    settings_ = MonitorSettings(traders=(WALLET,), agent="copy", overlap_s=300, since=0)
    monitor = Monitor(client, emitter.store, emitter.sink, settings_, report=reports,
                      emitter=emitter)  # fmt: skip
    chain_source.poll_once()
    fills = [(10_000_000, 4_000_000), (30_000_000, 15_000_000)]  # 0.40 then 0.50
    trade = place(chain, WALLET, token=YES, side="BUY", fills=fills)
    at = chain.block_time(trade.block)
    first, second = (trade_row(WALLET, tx_hash=trade.tx_hash, asset=str(YES), side="BUY",
                               size=shares / 1e6, price=usdc / shares, timestamp=at,
                               condition_id=MARKET) for shares, usdc in fills)  # fmt: skip
    data_api.api.add_rows(WALLET, [first])  # the second fill shows up later
    monitor.poll_once()
    chain_source.poll_once()
    data_api.api.add_rows(WALLET, [second])
    monitor.poll_once()
    intents = read(out)
    assert [(i["intent_id"], i["size"], i["price"]) for i in intents] == [
        (trade.intent_id, "10", "0.4"),
        (trade.intent_id + ":1", "30", "0.5"),  # the rest, at its own price, from the chain
    ]
    assert reports == []
