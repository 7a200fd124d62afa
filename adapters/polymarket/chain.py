"""Chain reads with web3: the funder's collateral balance and the approvals trading needs.

Buying spends collateral (pUSD) through the exchange contracts, so the funder must have
approved each of them for the ERC-20; selling moves outcome tokens (ERC-1155), which needs
``setApprovalForAll`` for the same contracts. Neg-risk markets go through the neg-risk
exchange and the neg-risk adapter. Each missing piece becomes one :class:`Check` whose
message says exactly what will fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from adapters.ctf.chain import UNLIMITED, Collateral, OutcomeTokens, checksum
from adapters.polymarket.contracts import Contracts
from adapters.venues.spec import Check
from engine.values import dec_str

if TYPE_CHECKING:
    from web3 import Web3

COLLATERAL = "pUSD"


@dataclass(frozen=True)
class SpenderState:
    """What one exchange contract may do with the funder's assets."""

    label: str
    address: str
    allowance: Decimal  # collateral it may spend
    approved_for_all: bool | None  # outcome tokens it may move (None: not readable)
    markets: str  # the markets that need this contract


@dataclass(frozen=True)
class ChainState:
    """The funder's position on chain, as trading sees it."""

    chain_id: int
    funder: str
    collateral_balance: Decimal
    spenders: tuple[SpenderState, ...]
    gas_balance: Decimal | None  # the signer's POL, for sending approvals itself


def read_chain_state(
    w3: Web3, contracts: Contracts, funder: str, *, signer: str | None = None
) -> ChainState:
    """Read balance, allowances and ERC-1155 approvals of ``funder`` (web3 errors propagate)."""
    owner = checksum(funder)
    token = Collateral(w3, contracts.collateral)
    balance = token.balance(owner)
    ctf = OutcomeTokens(w3, contracts.conditional_tokens)
    spenders = []
    for label, address, markets in contracts.spenders():
        spender = checksum(address)
        allowance = token.allowance(owner, spender)
        approved = ctf.approved_for_all(owner, spender)
        spenders.append(SpenderState(label, spender, allowance, approved, markets))
    gas = None
    if signer:
        gas = Decimal(w3.eth.get_balance(checksum(signer))) / Decimal(10**18)
    return ChainState(int(w3.eth.chain_id), owner, balance, tuple(spenders), gas)


def _amount(value: Decimal) -> str:
    return dec_str(value.quantize(Decimal("0.000001")))


def chain_checks(state: ChainState, *, expected_chain_id: int) -> list[Check]:
    """What the chain state means for trading, one check per requirement."""
    checks = []
    if state.chain_id != expected_chain_id:
        checks.append(
            Check(
                "chain id",
                False,
                f"POLYGON_RPC_URL is chain {state.chain_id}, expected {expected_chain_id}; "
                "balances and allowances below are of the wrong chain",
            )
        )
    if state.collateral_balance <= 0:
        checks.append(
            Check(
                "collateral balance",
                False,
                f"collateral ({COLLATERAL}) balance of {state.funder} is 0; buying will fail",
            )
        )
    else:
        checks.append(
            Check(
                "collateral balance",
                True,
                f"collateral ({COLLATERAL}) balance of {state.funder} is "
                f"{_amount(state.collateral_balance)}",
            )
        )
    for spender in state.spenders:
        name = f"allowance {spender.label}"
        if spender.allowance <= 0:
            checks.append(
                Check(
                    name,
                    False,
                    f"allowance for the {spender.label} is 0; trading {spender.markets} will fail",
                )
            )
        elif spender.allowance < state.collateral_balance:
            checks.append(
                Check(
                    name,
                    True,
                    f"allowance for the {spender.label} "
                    f"({_amount(spender.allowance)} {COLLATERAL}) is below the balance "
                    f"({_amount(state.collateral_balance)}); buys above "
                    f"{_amount(spender.allowance)} {COLLATERAL} will fail",
                    fatal=False,
                )
            )
        else:
            shown = "unlimited" if spender.allowance >= UNLIMITED else _amount(spender.allowance)
            checks.append(Check(name, True, f"allowance for the {spender.label} is {shown}"))
        if spender.approved_for_all is False:
            checks.append(
                Check(
                    f"outcome tokens {spender.label}",
                    False,
                    f"outcome tokens (ERC-1155) are not approved for the {spender.label}; "
                    f"selling on {spender.markets} will fail",
                )
            )
        elif spender.approved_for_all:
            checks.append(
                Check(
                    f"outcome tokens {spender.label}",
                    True,
                    f"outcome tokens (ERC-1155) are approved for the {spender.label}",
                )
            )
        else:
            checks.append(
                Check(
                    f"outcome tokens {spender.label}",
                    True,
                    "outcome token approvals not read: no contract at the conditional tokens "
                    "address",
                    fatal=False,
                )
            )
    return checks
