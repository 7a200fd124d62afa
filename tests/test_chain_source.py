"""The chain source against a local EVM chain (eth-tester, py-evm) over JSON-RPC on loopback:
the exchanges' real OrderFilled / OrdersMatched events, decoded by web3 in the source."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.polymarket.market_data import GammaClient
from adapters.polymarket_chain.logs import LogError, decode
from adapters.polymarket_chain.reader import ChainReader
from adapters.polymarket_chain.source import ChainSettings, ChainSource
from adapters.polymarket_chain.tokens import TokenDirectory
from adapters.polymarket_data import FileSink, StateStore
from adapters.polymarket_data.emitter import Emitter
from adapters.polymarket_data.state import TraderState
from engine.values import dec_str
from tests.chain_trades import Placed, place
from tests.fake_chain import ChainServer, LocalChain, gamma_market, order_filled, order_hash

WALLET = "0x" + "a1" * 20
OTHER = "0x" + "b2" * 20
MARKET_A = "0x" + "0a" * 32
MARKET_B = "0x" + "0b" * 32
YES_A, NO_A, YES_B, NO_B = 1001, 1002, 2001, 2002


@pytest.fixture(scope="module")
def server() -> Iterator[ChainServer]:
    """One local chain and its node for the module (each test starts at the head)."""
    a = gamma_market(MARKET_A, (YES_A, NO_A), ("Yes", "No"))
    b = gamma_market(MARKET_B, (YES_B, NO_B), ("Oilers", "Ducks"))
    running = ChainServer(LocalChain(), {"1001": a, "1002": a, "2001": b, "2002": b})
    yield running
    running.stop()


class Reports(list[str]):
    """The source's one-line reports."""

    def __call__(self, message: str) -> None:
        self.append(message)


def make_emitter(state: Path, out: Path, reports: Reports) -> Emitter:
    """The emitter a source writes through (a JSONL file)."""
    return Emitter(StateStore(state), FileSink(out), agent="copy", overlap_s=300, report=reports)


def make_source(
    server: ChainServer,
    emitter: Emitter,
    traders: tuple[str, ...],
    *,
    confirmations: int = 0,
    from_block: int | None = None,
    reports: Reports | None = None,
) -> ChainSource:
    """A chain source in this process, reading the local chain through its JSON-RPC."""
    return ChainSource(
        ChainReader.connect(server.origin),
        TokenDirectory(GammaClient(server.gamma_url), dict(emitter.state.chain.get("tokens", {}))),
        emitter,
        ChainSettings(
            traders=traders,
            exchanges=server.chain.exchanges,
            confirmations=confirmations,
            from_block=server.chain.head() + 1 if from_block is None else from_block,
        ),
        seed=lambda _t: TraderState(floor=0, seeded_at=0),
        report=reports if reports is not None else Reports(),
        stop=threading.Event(),
    )


def read(path: Path) -> list[dict[str, Any]]:
    """The intents of a JSONL file."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def check_intent(intent: dict[str, Any], placed: Placed, chain: LocalChain) -> None:
    """An intent says what the trade on chain was, field by field."""
    market = MARKET_A if placed.token in (YES_A, NO_A) else MARKET_B
    outcome = {YES_A: "Yes", NO_A: "No", YES_B: "Oilers", NO_B: "Ducks"}[placed.token]
    at = datetime.fromtimestamp(chain.block_time(placed.block), tz=UTC)
    assert intent["intent_id"] == placed.intent_id
    assert (intent["token_id"], intent["side"], intent["outcome"]) == (
        str(placed.token),
        placed.side,
        outcome,
    )
    assert intent["market_id"] == market
    assert (intent["size"], intent["price"]) == (dec_str(placed.size), dec_str(placed.price))
    assert intent["created_at"] == at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert intent["source"]["trader"] == placed.wallet
    assert intent["source"]["tx_hash"] == placed.tx_hash


def test_both_abis_decode_to_the_fill_of_the_orders_own_maker(server: ChainServer) -> None:
    chain = server.chain
    reader = ChainReader.connect(server.origin)
    first = chain.head() + 1
    for version in (1, 2):
        place(
            chain, WALLET, token=YES_A, side="BUY", fills=[(10_000_000, 4_500_000)], version=version
        )
        place(
            chain,
            WALLET,
            token=NO_B,
            side="SELL",
            fills=[(3_000_000, 2_100_000)],
            role="maker",
            exchange=1,
            version=version,
        )
    fills = [
        decode(log)
        for log in reader.trade_logs(
            first, chain.head(), exchanges=chain.exchanges, makers=[WALLET]
        )
    ]
    got = [(f.event, f.side, f.token_id, f.shares, f.usdc) for f in fills]
    once = [
        ("OrderFilled", "BUY", "1001", 10_000_000, 4_500_000),
        ("OrdersMatched", "BUY", "1001", 10_000_000, 4_500_000),
        ("OrderFilled", "SELL", "2002", 3_000_000, 2_100_000),
    ]
    assert got == once + once  # V1 then V2; counterparties' events are not the wallet's
    assert {f.maker for f in fills} == {WALLET}
    assert {f.exchange for f in fills} == {a.lower() for a in chain.exchanges}
    with pytest.raises(LogError, match="not OrderFilled"):
        decode({"topics": [b"\x01" * 32], "data": b""})


def test_a_wallets_fills_as_taker_and_as_maker_become_one_intent_per_order(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out, reports = server.chain, tmp_path / "out.jsonl", Reports()
    emitter = make_emitter(tmp_path / "state", out, reports)
    source = make_source(server, emitter, (WALLET,), confirmations=2, reports=reports)
    source.poll_once()  # the position is the next block
    placed = [
        # a crossing BUY matched against three resting SELLs: one intent, VWAP price
        place(
            chain,
            WALLET,
            token=YES_A,
            side="BUY",
            fills=[(5_000_000, 2_250_000), (7_500_000, 3_450_000), (1_000_001, 470_000)],
        ),
        # a resting SELL filled by two taker orders in one transaction, on the neg-risk exchange
        place(
            chain,
            WALLET,
            token=NO_B,
            side="SELL",
            role="maker",
            exchange=1,
            fills=[(2_000_000, 1_300_000), (4_000_000, 2_640_000)],
            version=1,
        ),
        # someone else's trade: not copied
        place(chain, OTHER, token=YES_A, side="BUY", fills=[(9_000_000, 4_000_000)]),
    ]
    source.poll_once()  # only the first has 2 blocks on top of it
    assert [i["intent_id"] for i in read(out)] == [placed[0].intent_id]
    chain.mine(1)
    for _ in range(3):
        source.poll_once()
    intents = read(out)
    assert [i["intent_id"] for i in intents] == [p.intent_id for p in placed[:2]]
    for intent, trade in zip(intents, placed, strict=False):
        check_intent(intent, trade, chain)
    assert intents[0]["source"]["trader_position_before"] == "0"
    assert reports == []


def test_a_followed_owner_is_copied_through_its_proxy_wallet(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out = server.chain, tmp_path / "out.jsonl"
    source = make_source(server, make_emitter(tmp_path / "state", out, Reports()), (WALLET,))
    proxy = "0x" + "a1" * 19 + "a2"  # the fake exchange's proxy of WALLET: WALLET + 1
    source.poll_once()
    placed = place(
        chain, WALLET, maker_address=proxy, token=YES_B, side="BUY", fills=[(20_000_000, 9_000_000)]
    )
    source.poll_once()
    [intent] = read(out)
    check_intent(intent, placed, chain)  # the trader is the followed owner


def test_a_node_that_fails_is_reported_once_and_nothing_is_lost(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out, reports = server.chain, tmp_path / "out.jsonl", Reports()
    source = make_source(
        server, make_emitter(tmp_path / "state", out, reports), (WALLET,), reports=reports
    )
    source.poll_once()
    placed = place(chain, WALLET, token=NO_A, side="SELL", fills=[(1_000_000, 600_000)])
    server.down = True
    try:
        for _ in range(3):
            assert source.poll_once().errors
    finally:
        server.down = False
    assert len(reports) == 1
    assert reports[0].startswith("chain: eth_blockNumber: ")
    source.poll_once()
    assert [i["intent_id"] for i in read(out)] == [placed.intent_id]


def test_a_reorganisation_deeper_than_the_confirmations_is_read_again_without_repeats(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out, reports = server.chain, tmp_path / "out.jsonl", Reports()
    emitter = make_emitter(tmp_path / "state", out, reports)
    source = make_source(server, emitter, (WALLET,), confirmations=1, reports=reports)
    source.poll_once()
    fork = chain.snapshot()
    kept = place(chain, WALLET, token=YES_A, side="BUY", fills=[(1_000_000, 500_000)])
    orphan = place(chain, WALLET, token=NO_A, side="BUY", fills=[(2_000_000, 500_000)])
    chain.mine(1)
    source.poll_once()
    assert [i["intent_id"] for i in read(out)] == [kept.intent_id, orphan.intent_id]

    # The chain forks below both: the first trade is mined again (the same transaction), the
    # second never is, and a new one comes.
    chain.reorganise(fork)
    chain.mine(1)  # the new branch differs from the first block on
    again = chain.emit(list(kept.logs))
    assert again == kept.tx_hash
    assert chain.head() != kept.block
    new = place(chain, WALLET, token=YES_B, side="SELL", fills=[(3_000_000, 900_000)])
    chain.mine(2)
    stats = source.poll_once()
    assert stats.reorgs == 1
    assert any("reorganised" in r for r in reports)
    counts = Counter(i["intent_id"] for i in read(out))
    assert counts == {kept.intent_id: 1, orphan.intent_id: 1, new.intent_id: 1}


def test_a_reorganisation_within_the_confirmations_copies_only_the_surviving_branch(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out = server.chain, tmp_path / "out.jsonl"
    source = make_source(
        server, make_emitter(tmp_path / "state", out, Reports()), (WALLET,), confirmations=3
    )
    source.poll_once()
    fork = chain.snapshot()
    place(chain, WALLET, token=NO_B, side="BUY", fills=[(4_000_000, 1_000_000)])
    source.poll_once()
    chain.reorganise(fork)
    chain.mine(1)
    survivor = place(chain, WALLET, token=YES_B, side="BUY", fills=[(4_000_000, 1_000_000)])
    chain.mine(3)
    assert source.poll_once().reorgs == 0
    assert [i["intent_id"] for i in read(out)] == [survivor.intent_id]


def test_an_unreadable_log_is_skipped_and_reported_once(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out, reports = server.chain, tmp_path / "out.jsonl", Reports()
    source = make_source(
        server, make_emitter(tmp_path / "state", out, reports), (WALLET,), reports=reports
    )
    source.poll_once()
    bad = order_filled(
        version=2,
        order_hash=order_hash(),
        maker=WALLET,
        taker=OTHER,
        side="BUY",
        token=YES_A,
        shares=1,
        usdc=1,
    )
    chain.emit([type(bad)(bad.topics, bad.data[:64])])  # data cut short: not the ABI's
    good = place(chain, WALLET, token=YES_A, side="SELL", fills=[(1_000_000, 400_000)])
    source.poll_once()
    source.poll_once()
    assert [i["intent_id"] for i in read(out)] == [good.intent_id]
    assert len([r for r in reports if "skipped a log" in r]) == 1


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(
        st.tuples(st.integers(1, 40), st.sampled_from(["BUY", "SELL"]), st.booleans()),
        min_size=1,
        max_size=5,
    ),
    st.lists(st.integers(0, 3), min_size=1, max_size=8),
)
def test_polls_at_any_moments_copy_every_fill_exactly_once(
    server: ChainServer,
    tmp_path_factory: pytest.TempPathFactory,
    trades: list[tuple[int, str, bool]],
    gaps: list[int],
) -> None:  # fmt: skip
    chain, folder = server.chain, tmp_path_factory.mktemp("prop")
    out, reports = folder / "out.jsonl", Reports()
    source = make_source(
        server, make_emitter(folder / "state", out, reports), (WALLET,), confirmations=1
    )
    source.poll_once()
    placed = []
    for n, (shares, side, maker) in enumerate(trades):
        placed.append(
            place(
                chain,
                WALLET,
                token=YES_A,
                side=side,
                role="maker" if maker else "taker",
                fills=[(shares * 1_000_000, shares * 400_000)],
            )
        )
        for _ in range(gaps[n % len(gaps)]):
            source.poll_once()
        if n % 2:  # a restart: a new source on the saved state
            source = make_source(
                server, make_emitter(folder / "state", out, reports), (WALLET,), confirmations=1
            )
    chain.mine(1)
    source.poll_once()
    assert [i["intent_id"] for i in read(out)] == [p.intent_id for p in placed]
    assert all(Decimal(i["size"]) > 0 for i in read(out))


def test_a_token_gamma_does_not_know_is_skipped_and_said_and_the_rest_goes_on(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out, reports = server.chain, tmp_path / "out.jsonl", Reports()
    source = make_source(
        server, make_emitter(tmp_path / "state", out, reports), (WALLET,), reports=reports
    )
    source.poll_once()
    place(chain, WALLET, token=9999, side="BUY", fills=[(1_000_000, 400_000)])
    good = place(chain, WALLET, token=NO_B, side="BUY", fills=[(1_000_000, 400_000)])
    source.poll_once()
    source.poll_once()
    assert [i["intent_id"] for i in read(out)] == [good.intent_id]
    assert reports == ["chain: skipped a trade: token 9999: Gamma knows no market with its outcome"]


def test_while_gamma_is_down_a_new_tokens_trades_wait_and_none_is_lost(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out, reports = server.chain, tmp_path / "out.jsonl", Reports()
    emitter = make_emitter(tmp_path / "state", out, reports)
    source = make_source(server, emitter, (WALLET,), reports=reports)
    source.poll_once()
    waiting = emitter.state.chain["next_block"]
    placed = place(chain, WALLET, token=YES_B, side="SELL", fills=[(1_000_000, 300_000)])
    server.gamma_down = True
    try:
        for _ in range(2):
            assert source.poll_once().errors
    finally:
        server.gamma_down = False
    assert read(out) == []
    assert emitter.state.chain["next_block"] == waiting
    assert len(reports) == 1
    assert "Gamma" in reports[0]
    source.poll_once()
    assert [i["intent_id"] for i in read(out)] == [placed.intent_id]


def test_proxies_are_resolved_once_the_node_answers_not_given_up_at_a_failed_start(
    server: ChainServer, tmp_path: Path
) -> None:
    chain, out = server.chain, tmp_path / "out.jsonl"
    source = make_source(server, make_emitter(tmp_path / "state", out, Reports()), (WALLET,))
    server.down = True
    try:
        assert source.poll_once().errors
    finally:
        server.down = False
    source.poll_once()
    proxy = "0x" + "a1" * 19 + "a2"
    placed = place(chain, WALLET, maker_address=proxy, token=NO_A, side="BUY",
                   fills=[(3_000_000, 600_000)])  # fmt: skip
    source.poll_once()
    assert [i["intent_id"] for i in read(out)] == [placed.intent_id]
