"""``tape health`` for Limitless: the token accepted, USDC on Base, and the approvals a BUY
(``USDC.approve(exchange)``) and a SELL (``CTF.setApprovalForAll(exchange)``, and the
neg-risk adapter) need, each named when missing; read with web3 from an in-process EVM
(the hand-assembled token of ``test_polymarket_chain``) and the fake Limitless API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from adapters.limitless.health import limitless_health
from adapters.venues.spec import Check
from tests.fake_limitless import FakeLimitless
from tests.fake_limitless.state import Market
from tests.test_polymarket_chain import Chain
from tests.venue_contract.limitless_harness import EXCHANGE, NO, SLUG, YES, fake_environ

FUNDER_KEY = "0x" + "00" * 31 + "02"  # the in-process chain's funded account
NEG_EXCHANGE = Web3.to_checksum_address("0x46e607d3f1a2b1c0e0fa6b3a1d1ab2e0b1c9891d")
ADAPTER = Web3.to_checksum_address("0xe3e00ba3f1a2b1c0e0fa6b3a1d1ab2e0b1c95c47")


@pytest.fixture
def fake() -> Iterator[FakeLimitless]:
    """A simple market and a neg-risk one, on different exchanges."""
    api = FakeLimitless().start()
    api.add_market(Market(SLUG, EXCHANGE, YES, NO))
    api.add_market(Market("who-wins", NEG_EXCHANGE, "21", "22", adapter=ADAPTER))
    yield api
    api.stop()


def checks(fake: FakeLimitless, chain: Chain, folder: Path, **extra: str) -> dict[str, Check]:
    """The health checks by name."""
    environ = fake_environ(fake, folder, key=FUNDER_KEY) | {
        "LIMITLESS_COLLATERAL_ADDRESS": chain.collateral,
        "LIMITLESS_CONDITIONAL_TOKENS_ADDRESS": chain.ctf,
        "BASE_RPC_URL": "in-process",
        "LIMITLESS_CHAIN_ID": str(chain.w3.eth.chain_id),
    } | extra  # fmt: skip
    lines = list(limitless_health(environ, web3=chain.w3))
    return {line.name: line for line in lines if isinstance(line, Check)}


def test_every_missing_approval_is_named(fake: FakeLimitless, tmp_path: Path) -> None:
    chain = Chain()
    found = checks(fake, chain, tmp_path)
    assert found["limitless token"].ok
    assert not found["usdc balance"].ok
    for name in (f"BUY approval {EXCHANGE}", f"SELL approval {EXCHANGE}",
                 f"BUY approval {NEG_EXCHANGE}", f"SELL approval {NEG_EXCHANGE}",
                 f"SELL approval neg-risk adapter {ADAPTER}"):  # fmt: skip
        assert not found[name].ok, name
        assert "missing" in found[name].message


def test_a_ready_wallet_passes(fake: FakeLimitless, tmp_path: Path) -> None:
    chain = Chain()
    chain.mint(250)
    for spender in (EXCHANGE, NEG_EXCHANGE):
        chain.approve(spender, 1000)
        chain.approve_outcomes(spender)
    chain.approve_outcomes(ADAPTER)
    found = checks(fake, chain, tmp_path)
    assert all(check.ok for check in found.values()), found
    assert "250" in found["usdc balance"].message


def test_only_the_neg_risk_adapter_missing_is_named_alone(
    fake: FakeLimitless, tmp_path: Path
) -> None:
    chain = Chain()
    chain.mint(5)
    for spender in (EXCHANGE, NEG_EXCHANGE):
        chain.approve(spender, 1000)
        chain.approve_outcomes(spender)
    failed = [name for name, check in checks(fake, chain, tmp_path).items() if not check.ok]
    assert failed == [f"SELL approval neg-risk adapter {ADAPTER}"]


def test_a_wrong_chain_is_named(fake: FakeLimitless, tmp_path: Path) -> None:
    found = checks(fake, Chain(), tmp_path, LIMITLESS_CHAIN_ID="8453")
    assert not found["chain id"].ok
    assert "BASE_RPC_URL" in found["chain id"].message


def test_a_refused_token_fails_and_paper_needs_no_key(fake: FakeLimitless, tmp_path: Path) -> None:
    chain = Chain()
    found = checks(fake, chain, tmp_path, LIMITLESS_API_KEY="tok-unknown")
    assert not found["limitless token"].ok
    assert "401" in found["limitless token"].message
    assert list(limitless_health({})) == ["  limitless: no key: trading on paper"]
