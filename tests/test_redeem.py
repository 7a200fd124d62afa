"""``tape redeem``: a Polymarket position bought live (the real adapter on the fake CLOB) that
won is redeemed with a real signed ``redeemPositions`` transaction on an in-process EVM
(web3's EthereumTesterProvider); the mined transaction's sender and calldata are checked, each
step is an event, a crash between signing and sending never makes a second transaction, the
log replays, and without a key it is a dry run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import EthereumTesterProvider, Web3

from adapters.bootstrap import assemble_engine
from adapters.clock import ManualClock
from adapters.polymarket.contracts import contracts_for
from adapters.redeem.candidates import candidates
from adapters.redeem.ctf import BINARY_INDEX_SETS, CTF_ABI, CtfRedeemer
from adapters.redeem.redeemer import redeem
from adapters.replay.verify import verify
from engine import commands as c
from engine.application import TapeApplication
from engine.config import AgentConfig, Sizing
from engine.intent import parse_intent
from engine.ports import Books
from engine.redemptions import Redemption
from engine.secrets import Secret
from engine.service import TradingEngine
from engine.values import Book, Level
from projections.logs import read_log
from tests.cli_rig import run_cli
from tests.conftest import sqlite_env
from tests.venue_contract.harness import ASKS, BIDS
from tests.venue_contract.harnesses import NO, T0, YES, PolymarketOnFakeClob

D = Decimal
TRADER = "0x" + "ab" * 20
CONDITION = "0x" + "5e" * 32
KEY = "0x" + "7a" * 32  # a test key, funded only on the in-process chain
CTF = contracts_for(137).conditional_tokens
COLLATERAL = contracts_for(137).collateral


@pytest.fixture
def won(tmp_path: Path) -> Iterator[TradingEngine]:
    """An engine whose agent bought YES live on the fake CLOB; the market resolved to YES."""
    harness = PolymarketOnFakeClob(tmp_path)
    clock = ManualClock(T0 + timedelta(seconds=1))
    app = TapeApplication(env=sqlite_env(tmp_path / "tape.db"))
    books = Books()
    books.update(
        Book(
            venue="polymarket",
            token_id=YES,
            at="2026-01-30T14:00:00Z",
            bids=tuple(Level(D(p), D(s)) for p, s in BIDS),
            asks=tuple(Level(D(p), D(s)) for p, s in ASKS),
            tick_size=D("0.01"),
            min_size=D("5"),
        )
    )
    engine = assemble_engine(
        app, venues={"polymarket": harness.venue}, market_data=books, clock=clock
    )
    engine.register_agents(
        [AgentConfig(name="a", follow=(TRADER,), sizing=Sizing(mode="FIXED", value=D(5)))]
    )
    intent = {
        "schema": "tape.intent/1",
        "intent_id": "buy-1",
        "agent": "a",
        "venue": "polymarket",
        "market_id": CONDITION,
        "token_id": YES,
        "outcome": "Yes",
        "side": "BUY",
        "price": "0.50",
        "size": "10",
        "created_at": "2026-01-30T14:00:01Z",
        "source": {"kind": "copy", "trader": TRADER},
    }
    engine.submit(parse_intent(intent), feed="test")
    clock.set(clock.now() + timedelta(hours=1))
    settlement = engine.handle(c.ResolveMarket("polymarket", CONDITION, YES))
    assert [p.price for p in settlement.positions] == [D(1)]
    yield engine
    harness.close()
    app.close()


@pytest.fixture
def chain() -> Web3:
    """An in-process EVM, the key's address funded with gas money."""
    w3 = Web3(EthereumTesterProvider())
    address = Account.from_key(KEY).address
    w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": address, "value": 10**18})
    return w3


def _redeemer(w3: Web3) -> CtfRedeemer:
    return CtfRedeemer(
        w3,
        key=Secret("POLYMARKET_PRIVATE_KEY", KEY),
        contract=CTF,
        collateral=COLLATERAL,
        chain_id=w3.eth.chain_id,
        receipt_timeout_s=5,
    )


def _redemption_events(engine: TradingEngine) -> list[Any]:
    return [e for _, e in read_log(engine.app) if isinstance(e, Redemption.Event)]


def test_a_won_position_is_redeemed_with_a_signed_redeem_positions_call(
    won: TradingEngine, chain: Web3
) -> None:
    (candidate,) = candidates(won.app)
    assert (candidate.state, candidate.holders) == ("redeemable", {"a": D(10)})
    lines: list[str] = []

    done = redeem(won, [candidate], _redeemer(chain), report=lines.append)

    assert done == {"redeemed": 1}
    events = _redemption_events(won)
    names = [type(e).__name__ for e in events]
    assert names == ["RedemptionRequested", "RedemptionSigned", "RedemptionConfirmed"]
    sent = chain.eth.get_transaction(events[1].tx_hash)
    assert sent["from"] == Account.from_key(KEY).address  # the node recovered our signature
    assert sent["to"] == Web3.to_checksum_address(CTF)
    function, args = chain.eth.contract(abi=CTF_ABI).decode_function_input(sent["input"])
    assert function.fn_name == "redeemPositions"
    assert args == {
        "collateralToken": Web3.to_checksum_address(COLLATERAL),
        "parentCollectionId": b"\x00" * 32,
        "conditionId": bytes.fromhex(CONDITION[2:]),
        "indexSets": list(BINARY_INDEX_SETS),
    }
    assert (
        events[2].block_number
        == chain.eth.get_transaction_receipt(events[1].tx_hash)["blockNumber"]
    )
    assert [c.state for c in candidates(won.app)] == ["redeemed"]
    stored = b"".join(n.state for n in won.app.recorder.select_notifications(start=1, limit=10_000))
    assert KEY[2:].encode() not in stored
    assert verify(won.app).divergence is None


def test_a_crash_after_signing_sends_the_same_transaction_never_a_second(
    won: TradingEngine, chain: Web3
) -> None:
    assert [c.state for c in candidates(won.app)] == ["redeemable"]
    redeemer = _redeemer(chain)
    redemption_id = won.handle(
        c.RequestRedemption(
            "polymarket", CONDITION, YES, (("a", "10"),), redeemer.address, CTF, BINARY_INDEX_SETS
        )
    )
    signed = redeemer.sign(CONDITION, BINARY_INDEX_SETS)
    won.handle(c.RecordRedemptionSigned(redemption_id, signed.tx_hash, signed.nonce, signed.raw_tx))
    # the process dies here: signed and recorded, never broadcast
    (pending,) = candidates(won.app)
    assert pending.state == "pending"

    assert redeem(won, [pending], redeemer, report=lambda _line: None) == {"redeemed": 1}

    assert chain.eth.get_transaction_count(redeemer.address) == 1  # one transaction only
    assert chain.eth.get_transaction_receipt(signed.tx_hash)["status"] == 1
    assert redeem(won, [pending], redeemer, report=lambda _line: None) == {"confirmed": 1}
    assert chain.eth.get_transaction_count(redeemer.address) == 1


def test_without_a_key_tape_redeem_is_a_dry_run_and_positions_mark_it(
    won: TradingEngine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    won.app.close()
    for name in ("TAPE_CONFIG", "TAPE_DATABASE_URL", "POLYMARKET_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TAPE_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)

    code, out, err = run_cli(capsys, "redeem")

    assert code == 0, err
    assert f"would redeem {CONDITION}: 10 shares" in out
    assert "no POLYMARKET_PRIVATE_KEY: dry run: 1 market(s), 10 USDC to redeem" in out
    code, out, err = run_cli(capsys, "positions", "--all")
    assert code == 0, err
    assert "redeemable" in out
    code, out, _ = run_cli(capsys, "redeem", "--agent", "nobody")
    assert "nothing to redeem" in out
    assert NO not in out


def test_shares_held_by_a_proxy_wallet_are_not_redeemed_from_the_signer(
    won: TradingEngine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    won.app.close()
    for name in ("TAPE_CONFIG", "TAPE_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    funder = "0x" + "12" * 20
    monkeypatch.setenv("TAPE_HOME", str(tmp_path))
    monkeypatch.setenv("POLYMARKET_PRIVATE_KEY", KEY)
    monkeypatch.setenv("POLYMARKET_SIGNATURE_TYPE", "1")
    monkeypatch.setenv("POLYMARKET_FUNDER", funder)
    monkeypatch.chdir(tmp_path)

    code, out, err = run_cli(capsys, "redeem")

    assert code == 1
    assert f"the shares are held by the POLY_PROXY wallet {funder}" in err
    assert KEY[2:] not in out + err
