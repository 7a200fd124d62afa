"""Balances, allowances and ERC-1155 approvals read with web3 from an in-process EVM
(eth-tester + py-evm), and what ``tape health`` says about them.

The token is a tiny hand-assembled contract (no compiler, no network): ``balanceOf``,
``allowance``, ``approve``, ``decimals`` (6), a test-only ``mint``, and the ERC-1155
``isApprovedForAll`` / ``setApprovalForAll`` on the same storage layout, so one bytecode
serves as the collateral (pUSD) and as the conditional tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from eth_account import Account
from web3 import EthereumTesterProvider, Web3

from adapters.polymarket import health as polymarket_health
from adapters.polymarket.chain import chain_checks, read_chain_state
from adapters.polymarket.contracts import Contracts, contracts_for
from cli.health_cmd import run_health
from cli.main import cli
from tests.fake_clob import FakeClob

KEY = "0x" + "4c" * 32
EOA = Account.from_key(KEY).address
POLYGON = contracts_for(137)

# -- a minimal token, assembled by hand ------------------------------------------------------

OPCODES = {
    "STOP": 0x00, "EQ": 0x14, "SHR": 0x1C, "SHA3": 0x20, "CALLER": 0x33, "CALLDATALOAD": 0x35,
    "CODECOPY": 0x39, "MSTORE": 0x52, "SLOAD": 0x54, "SSTORE": 0x55, "JUMPI": 0x57,
    "JUMPDEST": 0x5B, "DUP1": 0x80, "RETURN": 0xF3, "REVERT": 0xFD,
}  # fmt: skip


def selector(signature: str) -> int:
    """The 4-byte function selector."""
    return int.from_bytes(Web3.keccak(text=signature)[:4], "big")


def assemble(program: list[Any]) -> bytes:
    """Opcodes by name, ("push", n, value), ("label", name), ("goto", name): two passes."""

    def size(item: Any) -> int:
        if isinstance(item, str) or item[0] == "label":
            return 1
        return 1 + item[1] if item[0] == "push" else 3

    labels, offset = {}, 0
    for item in program:
        if isinstance(item, tuple) and item[0] == "label":
            labels[item[1]] = offset
        offset += size(item)
    code = bytearray()
    for item in program:
        if isinstance(item, str):
            code.append(OPCODES[item])
        elif item[0] == "push":
            code.append(0x5F + item[1])
            code += item[2].to_bytes(item[1], "big")
        elif item[0] == "label":
            code.append(OPCODES["JUMPDEST"])
        else:
            code.append(0x61)  # PUSH2
            code += labels[item[1]].to_bytes(2, "big")
    return bytes(code)


def push(value: int, width: int = 1) -> tuple[str, int, int]:
    """A PUSHn."""
    return ("push", width, value)


def answer_top() -> list[Any]:
    """Return the top of the stack as one 32-byte word."""
    return [push(0), "MSTORE", push(32), push(0), "RETURN"]


def pair_slot() -> list[Any]:
    """keccak(word at 4, word at 36) of the call data: the slot of (owner, spender)."""
    return [push(4), "CALLDATALOAD", push(0), "MSTORE", push(36), "CALLDATALOAD", push(32)]


DISPATCH = [
    ("balanceOf(address)", "balance"),
    ("allowance(address,address)", "pair"),
    ("isApprovedForAll(address,address)", "pair"),
    ("approve(address,uint256)", "approve"),
    ("setApprovalForAll(address,bool)", "approve"),
    ("mint(address,uint256)", "mint"),
    ("decimals()", "decimals"),
]


def dispatch(signature: str, label: str) -> list[Any]:
    """Jump to ``label`` when the call's selector is the one of ``signature``."""
    return ["DUP1", push(selector(signature), 4), "EQ", ("goto", label), "JUMPI"]


RUNTIME = assemble(
    [push(0), "CALLDATALOAD", push(0xE0), "SHR"]
    + [op for signature, label in DISPATCH for op in dispatch(signature, label)]
    + [push(0), "DUP1", "REVERT"]
    + [("label", "balance"), push(4), "CALLDATALOAD", "SLOAD", *answer_top()]
    + [("label", "pair"), *pair_slot(), "MSTORE", push(64), push(0), "SHA3", "SLOAD"]
    + answer_top()
    + [("label", "approve"), "CALLER", push(0), "MSTORE", push(4), "CALLDATALOAD", push(32)]
    + ["MSTORE", push(36), "CALLDATALOAD", push(64), push(0), "SHA3", "SSTORE", push(1)]
    + answer_top()
    + [("label", "mint"), push(36), "CALLDATALOAD", push(4), "CALLDATALOAD", "SSTORE", "STOP"]
    + [("label", "decimals"), push(6), *answer_top()]
)
INIT = assemble(
    [
        push(len(RUNTIME), 2),
        push(15, 2),
        push(0),
        "CODECOPY",
        push(len(RUNTIME), 2),
        push(0),
        "RETURN",
    ]
)
assert len(INIT) == 15

TOKEN_ABI: list[dict[str, Any]] = [
    {
        "name": name,
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [{"name": f"a{i}", "type": t} for i, t in enumerate(types)],
        "outputs": [],
    }
    for name, types in (
        ("mint", ("address", "uint256")),
        ("approve", ("address", "uint256")),
        ("setApprovalForAll", ("address", "bool")),
    )
]


class Chain:
    """An in-process EVM with a collateral token and conditional tokens deployed."""

    def __init__(self) -> None:
        self.w3 = Web3(EthereumTesterProvider())
        self.deployer, self.funder = self.w3.eth.accounts[:2]
        self.collateral = self.deploy()
        self.ctf = self.deploy()
        self.contracts = Contracts(
            exchange=POLYGON.exchange,
            neg_risk_exchange=POLYGON.neg_risk_exchange,
            neg_risk_adapter=POLYGON.neg_risk_adapter,
            collateral=self.collateral,
            conditional_tokens=self.ctf,
        )

    def deploy(self) -> str:
        """Deploy one token; its address."""
        tx = self.w3.eth.send_transaction(
            {"from": self.deployer, "data": "0x" + (INIT + RUNTIME).hex(), "gas": 500_000}
        )
        address = self.w3.eth.get_transaction_receipt(tx)["contractAddress"]
        assert address is not None
        assert self.w3.eth.get_code(address) == RUNTIME
        return str(address)

    def token(self, address: str) -> Any:
        """A contract object for the write functions."""
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=TOKEN_ABI)

    def mint(self, usdc: int) -> None:
        """Give the funder collateral (in whole pUSD)."""
        self.token(self.collateral).functions.mint(self.funder, usdc * 10**6).transact(
            {"from": self.deployer}
        )

    def approve(self, spender: str, usdc: int) -> None:
        """The funder approves a spender for collateral."""
        self.token(self.collateral).functions.approve(spender, usdc * 10**6).transact(
            {"from": self.funder}
        )

    def approve_outcomes(self, operator: str) -> None:
        """The funder lets an operator move its outcome tokens."""
        self.token(self.ctf).functions.setApprovalForAll(operator, True).transact(
            {"from": self.funder}
        )

    def ready(self, usdc: int = 250) -> None:
        """Funded, every allowance and approval set."""
        self.mint(usdc)
        for _, spender, _ in self.contracts.spenders():
            self.approve(spender, 2**255 // 10**6)
            self.approve_outcomes(spender)


@pytest.fixture
def chain() -> Chain:
    """A fresh in-process chain."""
    return Chain()


def messages(chain: Chain) -> dict[str, tuple[bool, str]]:
    """The chain checks by name."""
    state = read_chain_state(chain.w3, chain.contracts, chain.funder, signer=chain.deployer)
    checks = chain_checks(state, expected_chain_id=chain.w3.eth.chain_id)
    return {c.name: (c.ok, c.message) for c in checks}


# -- chain reads -----------------------------------------------------------------------------


def test_a_ready_funder_passes_every_check(chain: Chain) -> None:
    chain.ready(250)
    state = read_chain_state(chain.w3, chain.contracts, chain.funder, signer=chain.deployer)
    assert str(state.collateral_balance) == "250"
    assert [s.label for s in state.spenders] == [
        "exchange",
        "neg-risk exchange",
        "neg-risk adapter",
    ]
    assert all(s.approved_for_all for s in state.spenders)
    assert state.gas_balance is not None
    assert state.gas_balance > 0
    found = messages(chain)
    assert all(ok for ok, _ in found.values())
    assert (
        found["allowance neg-risk exchange"][1]
        == "allowance for the neg-risk exchange is unlimited"
    )


def test_a_missing_neg_risk_allowance_says_what_fails(chain: Chain) -> None:
    chain.mint(100)
    chain.approve(POLYGON.exchange, 100)
    chain.approve(POLYGON.neg_risk_adapter, 100)
    for _, spender, _ in chain.contracts.spenders():
        chain.approve_outcomes(spender)
    found = messages(chain)
    assert found["allowance neg-risk exchange"] == (
        False,
        "allowance for the neg-risk exchange is 0; trading neg-risk markets will fail",
    )
    assert found["allowance exchange"] == (True, "allowance for the exchange is 100")
    assert found["collateral balance"][0]


def test_no_balance_a_small_allowance_and_no_outcome_approval(chain: Chain) -> None:
    found = messages(chain)
    assert found["collateral balance"] == (
        False,
        f"collateral (pUSD) balance of {chain.funder} is 0; buying will fail",
    )
    chain.mint(50)
    chain.approve(POLYGON.exchange, 10)
    chain.approve_outcomes(POLYGON.exchange)
    found = messages(chain)
    assert found["allowance exchange"] == (
        True,
        "allowance for the exchange (10 pUSD) is below the balance (50); buys above 10 pUSD "
        "will fail",
    )
    assert found["outcome tokens neg-risk adapter"] == (
        False,
        "outcome tokens (ERC-1155) are not approved for the neg-risk adapter; selling on "
        "neg-risk markets will fail",
    )
    assert found["outcome tokens exchange"][0]


def test_the_wrong_chain_is_a_failure(chain: Chain) -> None:
    state = read_chain_state(chain.w3, chain.contracts, chain.funder)
    [wrong, *_] = chain_checks(state, expected_chain_id=137)
    assert not wrong.ok
    assert wrong.message.startswith(
        f"POLYGON_RPC_URL is chain {chain.w3.eth.chain_id}, expected 137"
    )


# -- tape health -----------------------------------------------------------------------------


@pytest.fixture
def clob(chain: Chain) -> Iterator[FakeClob]:
    """A fake CLOB for the reachability and auth checks, signing on the tester's chain id."""
    fake = FakeClob(chain_id=chain.w3.eth.chain_id).start()
    yield fake
    fake.stop()


def health_env(chain: Chain, clob: FakeClob, tmp_path: Path) -> dict[str, str]:
    """A proxy-wallet setup: the EOA signs, the tester account holds the funds."""
    clob.funders[EOA.lower()] = chain.funder
    return {
        "TAPE_HOME": str(tmp_path / "home"),
        "POLYMARKET_PRIVATE_KEY": KEY,
        "POLYMARKET_FUNDER": chain.funder,
        "POLYMARKET_SIGNATURE_TYPE": "1",
        "POLYMARKET_CLOB_URL": clob.url,
        "POLYMARKET_GAMMA_URL": clob.gamma_url,
        "POLYGON_RPC_URL": "http://127.0.0.1:9/unused",
        "POLYMARKET_CHAIN_ID": str(chain.w3.eth.chain_id),
        "POLYMARKET_COLLATERAL_ADDRESS": chain.collateral,
        "POLYMARKET_CONDITIONAL_TOKENS_ADDRESS": chain.ctf,
        "POLYMARKET_TIMEOUT_S": "2",
    }


def test_health_reports_every_check_and_what_is_missing(
    chain: Chain, clob: FakeClob, tmp_path: Path
) -> None:
    chain.mint(40)
    chain.approve(POLYGON.exchange, 40)
    report = run_health(health_env(chain, clob, tmp_path), web3=chain.w3)
    text = "\n".join(report.lines)
    assert "  [ok  ] sqlite" in text
    assert f"  [ok  ] CLOB {clob.url} reachable" in text
    assert "  [ok  ] API credentials accepted (L1 signature, L2 HMAC)" in text
    assert f"  [ok  ] Gamma {clob.gamma_url} reachable" in text
    assert f"  [ok  ] collateral (pUSD) balance of {chain.funder} is 40" in text
    assert (
        "  [FAIL] allowance for the neg-risk exchange is 0; trading neg-risk markets will fail"
        in text
    )
    assert (
        "  [FAIL] allowance for the neg-risk adapter is 0; trading neg-risk markets will fail"
        in text
    )
    assert "signature type 1 (POLY_PROXY)" in text
    assert {c.name for c in report.failed} >= {"allowance neg-risk exchange"}
    assert KEY.removeprefix("0x") not in text


def test_tape_health_exits_1_on_a_failure_and_0_when_ready(
    chain: Chain, clob: FakeClob, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(polymarket_health, "connect_rpc", lambda url: chain.w3)
    env = health_env(chain, clob, tmp_path)
    runner = CliRunner()
    failing = runner.invoke(cli, ["health"], env=env)
    assert failing.exit_code == 1, failing.output
    assert "balance of" in failing.output
    assert "is 0; buying will fail" in failing.output
    assert failing.output.rstrip().endswith("check(s) failed")
    chain.ready(100)
    passing = runner.invoke(cli, ["health"], env=env)
    assert passing.exit_code == 0, passing.output
    assert passing.output.rstrip().endswith("health: ok")


def test_tape_health_without_a_key_says_paper(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["health"], env={"TAPE_HOME": str(tmp_path), "POLYMARKET_PRIVATE_KEY": ""}
    )
    assert result.exit_code == 0, result.output
    assert (
        "polymarket: no key (POLYMARKET_PRIVATE_KEY or POLYMARKET_KEYSTORE): trading on paper"
        in (result.output)
    )


def test_tape_health_with_an_unusable_configuration(tmp_path: Path) -> None:
    env = {
        "TAPE_HOME": str(tmp_path),
        "POLYMARKET_PRIVATE_KEY": KEY,
        "POLYMARKET_SIGNATURE_TYPE": "2",
    }
    result = CliRunner().invoke(cli, ["health"], env=env)
    assert result.exit_code == 1
    assert "POLYMARKET_SIGNATURE_TYPE 2 (POLY_GNOSIS_SAFE) needs POLYMARKET_FUNDER" in result.output


def test_tape_health_when_nothing_answers(chain: Chain, clob: FakeClob, tmp_path: Path) -> None:
    env = health_env(chain, clob, tmp_path) | {"POLYMARKET_CLOB_URL": "http://127.0.0.1:9"}
    report = run_health(env, web3=chain.w3)
    [failure] = report.failed
    assert failure.message.startswith("CLOB http://127.0.0.1:9 unreachable")
