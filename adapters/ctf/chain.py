"""Chain reads with web3 that every CTF venue needs: a wallet's collateral (ERC-20) balance,
the allowance it gave a spender, and whether an operator may move its outcome tokens
(ERC-1155 ``isApprovedForAll``). web3 errors propagate; the caller says what failed."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress
    from web3 import Web3
    from web3.contract import Contract

ERC20_ABI: list[dict[str, Any]] = [
    {
        "name": "balanceOf",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "name": "allowance",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
    {
        "name": "decimals",
        "type": "function",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [{"name": "", "type": "uint8"}],
    },
]

ERC1155_ABI: list[dict[str, Any]] = [
    {
        "name": "isApprovedForAll",
        "type": "function",
        "stateMutability": "view",
        "inputs": [
            {"name": "account", "type": "address"},
            {"name": "operator", "type": "address"},
        ],
        "outputs": [{"name": "", "type": "bool"}],
    },
]

UNLIMITED = Decimal(2) ** 200  # an allowance this large is shown as "unlimited"


def checksum(address: str) -> ChecksumAddress:
    """The checksummed form of an address."""
    from web3 import Web3  # noqa: PLC0415 - a slow import, only when the chain is read

    return Web3.to_checksum_address(address)


class Collateral:
    """An ERC-20 collateral token read at its own decimals (6 when it has no ``decimals()``)."""

    def __init__(self, w3: Web3, address: str) -> None:
        self.contract: Contract = w3.eth.contract(address=checksum(address), abi=ERC20_ABI)
        try:
            decimals = int(self.contract.functions.decimals().call())
        except Exception:  # a token without decimals(): USDC and pUSD have 6
            decimals = 6
        self.scale = Decimal(10) ** decimals

    def balance(self, owner: str) -> Decimal:
        """The owner's balance in whole tokens."""
        return Decimal(int(self.contract.functions.balanceOf(checksum(owner)).call())) / self.scale

    def allowance(self, owner: str, spender: str) -> Decimal:
        """What ``spender`` may spend of the owner's tokens, in whole tokens."""
        raw = self.contract.functions.allowance(checksum(owner), checksum(spender)).call()
        return Decimal(int(raw)) / self.scale


class OutcomeTokens:
    """The ERC-1155 conditional tokens; ``readable`` is False when no contract is there."""

    def __init__(self, w3: Web3, address: str) -> None:
        self.contract: Contract = w3.eth.contract(address=checksum(address), abi=ERC1155_ABI)
        self.readable = bool(w3.eth.get_code(self.contract.address))

    def approved_for_all(self, owner: str, operator: str) -> bool | None:
        """Whether ``operator`` may move the owner's outcome tokens (None: not readable)."""
        if not self.readable:
            return None
        call = self.contract.functions.isApprovedForAll(checksum(owner), checksum(operator))
        return bool(call.call())
