"""The chain, through web3 over JSON-RPC: the head, blocks, the exchanges' trade logs of some
makers, and a wallet owner's proxy wallet and Safe.

Every web3 or transport failure becomes :class:`ChainError` with one line that says what was
asked (never the node's URL, which can hold an API key).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, Web3Exception

from adapters.polymarket_chain.abi import PROXY_FUNCTIONS
from adapters.polymarket_chain.logs import TOPICS

ZERO = "0x" + "0" * 40


class ChainError(RuntimeError):
    """The node did not answer, or answered something unusable; the message says what."""


@dataclass(frozen=True)
class Block:
    """What the source needs of a block."""

    number: int
    hash: str
    timestamp: int


def address_topic(address: str) -> str:
    """An address as an indexed topic (left-padded to 32 bytes)."""
    return "0x" + "0" * 24 + address.lower()[2:]


def _hex(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes | bytearray) else str(value)
    return text if text.startswith("0x") else "0x" + text


class ChainReader:
    """Reads what the chain source needs, with web3."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    @classmethod
    def connect(cls, url: str, *, timeout_s: float = 10.0) -> ChainReader:
        """A reader over HTTP JSON-RPC at ``url``."""
        return cls(Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout_s})))

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (Web3Exception, requests.RequestException, OSError, ValueError) as error:
            raise ChainError(f"{what}: {type(error).__name__}") from None

    def head(self) -> int:
        """The newest block number."""
        return int(self._call("eth_blockNumber", lambda: self.w3.eth.block_number))

    def block(self, number: int) -> Block:
        """A block's hash and time."""
        raw = self._call(f"eth_getBlockByNumber {number}", self.w3.eth.get_block, number)
        if raw is None:
            raise ChainError(f"eth_getBlockByNumber {number}: no such block")
        return Block(int(raw["number"]), _hex(raw["hash"]).lower(), int(raw["timestamp"]))

    def trade_logs(
        self, first: int, last: int, *, exchanges: Iterable[str], makers: Iterable[str]
    ) -> list[Any]:
        """The exchanges' OrderFilled and OrdersMatched logs in [first, last] whose maker
        (OrdersMatched: taker order's maker) is one of ``makers``."""
        query = {
            "fromBlock": first,
            "toBlock": last,
            "address": [to_checksum_address(a) for a in exchanges],
            "topics": [list(TOPICS), None, sorted(address_topic(m) for m in makers)],
        }
        logs = self._call(f"eth_getLogs {first}..{last}", self.w3.eth.get_logs, query)
        return list(logs)

    def proxies(self, owner: str, exchange: str) -> set[str]:
        """The Polymarket proxy wallet and Safe the exchange computes for ``owner``
        (lowercase); empty when the exchange cannot say (the call reverts or returns
        nothing); ChainError when the node does not answer (asked again at the next poll)."""
        contract = self.w3.eth.contract(address=to_checksum_address(exchange), abi=PROXY_FUNCTIONS)
        found: set[str] = set()
        for name in ("getPolyProxyWalletAddress", "getSafeAddress"):
            function = getattr(contract.functions, name)(to_checksum_address(owner))
            try:
                address = function.call()
            except (ContractLogicError, BadFunctionCallOutput):
                continue  # the exchange cannot say: the address is watched alone
            except (Web3Exception, requests.RequestException, OSError, ValueError) as error:
                raise ChainError(f"eth_call {name}: {type(error).__name__}") from None
            if isinstance(address, str) and address.lower() not in (ZERO, owner.lower()):
                found.add(address.lower())
        return found
