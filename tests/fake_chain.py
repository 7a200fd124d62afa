"""A local Polygon for the chain source: a real EVM (eth-tester on py-evm) with exchange
contracts emitting the real ``OrderFilled`` / ``OrdersMatched`` events, served over JSON-RPC
on loopback, and a fake Gamma for the tokens' markets.

The exchange here is a minimal contract, assembled below (no compiler): each call carries
records ``[topic count][topic 0..3][data length][data]`` and the contract emits each as a
LOG3 or LOG4, so one transaction holds every event of a match, as on Polygon. Its
``getPolyProxyWalletAddress(a)`` and ``getSafeAddress(a)`` answer ``a + 1`` (a stand-in for
the CREATE2 addresses the real exchange computes). The events' topics and data are encoded
with eth-abi from the real ABIs (:mod:`adapters.polymarket_chain.abi`); web3 in the source
decodes them. Reorganisations are eth-tester snapshots: revert, then mine other blocks.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, urlparse

from eth_abi import encode
from eth_tester import EthereumTester, PyEVMBackend
from eth_utils import event_abi_to_log_topic, keccak
from web3 import EthereumTesterProvider, Web3

from adapters.polymarket_chain.abi import (
    ORDER_FILLED_V1,
    ORDER_FILLED_V2,
    ORDERS_MATCHED_V1,
    ORDERS_MATCHED_V2,
)
from tests.fakes.loopback import JsonHandler, LoopbackServer

# -- the exchange contract, assembled -------------------------------------------------------

_OPS = {
    "STOP": 0x00, "ADD": 0x01, "LT": 0x10, "EQ": 0x14, "ISZERO": 0x15, "CALLDATALOAD": 0x35,
    "CALLDATASIZE": 0x36, "CALLDATACOPY": 0x37, "CODECOPY": 0x39, "MSTORE": 0x52,
    "JUMP": 0x56, "JUMPI": 0x57, "JUMPDEST": 0x5B, "RETURN": 0xF3, "LOG3": 0xA3, "LOG4": 0xA4,
    "DUP1": 0x80, "DUP2": 0x81, "DUP3": 0x82, "DUP4": 0x83, "DUP5": 0x84,
}  # fmt: skip

_RUNTIME = """
    CALLDATASIZE PUSH1:0x24 EQ PUSH2:@proxy JUMPI
    PUSH1:0
  @loop JUMPDEST
    CALLDATASIZE DUP2 LT ISZERO PUSH2:@end JUMPI
    PUSH1:0xa0 DUP2 ADD CALLDATALOAD  DUP2 PUSH1:0xc0 ADD  PUSH1:0 CALLDATACOPY
    DUP1 CALLDATALOAD PUSH1:3 EQ PUSH2:@log3 JUMPI
    DUP1 PUSH1:0x80 ADD CALLDATALOAD  DUP2 PUSH1:0x60 ADD CALLDATALOAD
    DUP3 PUSH1:0x40 ADD CALLDATALOAD  DUP4 PUSH1:0x20 ADD CALLDATALOAD
    DUP5 PUSH1:0xa0 ADD CALLDATALOAD  PUSH1:0 LOG4 PUSH2:@next JUMP
  @log3 JUMPDEST
    DUP1 PUSH1:0x60 ADD CALLDATALOAD  DUP2 PUSH1:0x40 ADD CALLDATALOAD
    DUP3 PUSH1:0x20 ADD CALLDATALOAD  DUP4 PUSH1:0xa0 ADD CALLDATALOAD  PUSH1:0 LOG3
  @next JUMPDEST
    DUP1 PUSH1:0xa0 ADD CALLDATALOAD ADD PUSH1:0xc0 ADD PUSH2:@loop JUMP
  @end JUMPDEST STOP
  @proxy JUMPDEST
    PUSH1:4 CALLDATALOAD PUSH1:1 ADD PUSH1:0 MSTORE PUSH1:0x20 PUSH1:0 RETURN
"""


def assemble(source: str) -> bytes:
    """Bytecode of the tiny assembly above (``@label`` defines, ``PUSH2:@label`` refers)."""
    tokens = source.split()

    def size(token: str) -> int:
        if token.startswith("@"):
            return 0
        if token.startswith("PUSH"):
            return 1 + int(token[4])
        return 1

    labels, offset = {}, 0
    for token in tokens:
        if token.startswith("@"):
            labels[token] = offset
        offset += size(token)
    code = bytearray()
    for token in tokens:
        if token.startswith("@"):
            continue
        if token.startswith("PUSH"):
            name, arg = token.split(":")
            width = int(name[4])
            value = labels[arg] if arg.startswith("@") else int(arg, 0)
            code += bytes([0x5F + width]) + value.to_bytes(width, "big")
        else:
            code.append(_OPS[token])
    return bytes(code)


def deployment_code(runtime: bytes) -> bytes:
    """Init code that returns ``runtime``."""
    prefix_len = 12
    init = (
        bytes([0x61]) + len(runtime).to_bytes(2, "big")  # PUSH2 len
        + bytes([0x80])  # DUP1
        + bytes([0x60, prefix_len])  # PUSH1 offset of the runtime
        + bytes([0x60, 0x00, 0x39])  # PUSH1 0 CODECOPY
        + bytes([0x60, 0x00, 0xF3])  # PUSH1 0 RETURN
    )  # fmt: skip
    assert len(init) == prefix_len - 1 or len(init) == prefix_len
    return init.ljust(prefix_len, b"\x00") + runtime


RUNTIME = assemble(_RUNTIME)

# -- the events, encoded from the real ABIs --------------------------------------------------


def _topic0(abi: dict[str, Any]) -> bytes:
    return bytes(event_abi_to_log_topic(cast(Any, abi)))


def _word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address.lower()[2:])


@dataclass(frozen=True)
class Log:
    """One event to emit: its topics and its ABI-encoded data."""

    topics: tuple[bytes, ...]
    data: bytes

    def record(self) -> bytes:
        """The record the exchange contract reads."""
        topics = list(self.topics) + [bytes(32)] * (4 - len(self.topics))
        return (
            len(self.topics).to_bytes(32, "big")
            + b"".join(topics)
            + len(self.data).to_bytes(32, "big")
            + self.data
        )


def _data(abi: dict[str, Any], values: dict[str, Any]) -> bytes:
    fields = [i for i in abi["inputs"] if not i["indexed"]]
    return encode([f["type"] for f in fields], [values[f["name"]] for f in fields])


def order_filled(
    *,
    version: int,
    order_hash: bytes,
    maker: str,
    taker: str,
    side: str,
    token: int,
    shares: int,
    usdc: int,
    fee: int = 0,
) -> Log:
    """``OrderFilled`` of one order, as the exchange of ``version`` (1 or 2) encodes it."""
    making, taking = (usdc, shares) if side == "BUY" else (shares, usdc)
    topics = (order_hash, _word(maker), _word(taker))
    if version == 1:
        maker_asset, taker_asset = (0, token) if side == "BUY" else (token, 0)
        values = {
            "makerAssetId": maker_asset,
            "takerAssetId": taker_asset,
            "makerAmountFilled": making,
            "takerAmountFilled": taking,
            "fee": fee,
        }
        return Log((_topic0(ORDER_FILLED_V1), *topics), _data(ORDER_FILLED_V1, values))
    values = {
        "side": 0 if side == "BUY" else 1,
        "tokenId": token,
        "makerAmountFilled": making,
        "takerAmountFilled": taking,
        "fee": fee,
        "builder": bytes(32),
        "metadata": bytes(32),
    }
    return Log((_topic0(ORDER_FILLED_V2), *topics), _data(ORDER_FILLED_V2, values))


def orders_matched(
    *, version: int, order_hash: bytes, maker: str, side: str, token: int, shares: int, usdc: int
) -> Log:
    """``OrdersMatched`` of a taker order."""
    making, taking = (usdc, shares) if side == "BUY" else (shares, usdc)
    topics = (order_hash, _word(maker))
    if version == 1:
        maker_asset, taker_asset = (0, token) if side == "BUY" else (token, 0)
        values = {
            "makerAssetId": maker_asset,
            "takerAssetId": taker_asset,
            "makerAmountFilled": making,
            "takerAmountFilled": taking,
        }
        return Log((_topic0(ORDERS_MATCHED_V1), *topics), _data(ORDERS_MATCHED_V1, values))
    values = {"side": 0 if side == "BUY" else 1, "tokenId": token}
    values |= {"makerAmountFilled": making, "takerAmountFilled": taking}
    return Log((_topic0(ORDERS_MATCHED_V2), *topics), _data(ORDERS_MATCHED_V2, values))


_hashes = itertools.count(1)


def order_hash() -> bytes:
    """A fresh order hash."""
    return keccak(text=f"order {next(_hashes)}")


# -- the chain -------------------------------------------------------------------------------


class LocalChain:
    """An EVM chain with two exchange contracts (standard and neg-risk); thread-safe."""

    def __init__(self) -> None:
        self.tester = EthereumTester(PyEVMBackend())
        self.w3 = Web3(EthereumTesterProvider(self.tester))
        self.lock = threading.RLock()
        self.operator = self.w3.eth.accounts[0]
        self.exchanges = (self._deploy(), self._deploy())

    def _deploy(self) -> str:
        with self.lock:
            tx = self.w3.eth.send_transaction(
                {"from": self.operator, "data": deployment_code(RUNTIME), "gas": 500_000}
            )
            receipt = self.w3.eth.get_transaction_receipt(tx)
        return str(receipt["contractAddress"])

    def emit(self, logs: list[Log], *, exchange: int = 0) -> str:
        """One transaction (its own block) emitting ``logs`` from an exchange; its hash."""
        data = b"".join(log.record() for log in logs)
        with self.lock:
            tx = self.w3.eth.send_transaction(
                {"from": self.operator, "to": self.exchanges[exchange], "data": data,
                 "gas": 2_000_000, "gasPrice": 10**10}
            )  # fmt: skip
        return "0x" + bytes(tx).hex()

    def mine(self, blocks: int = 1) -> None:
        """Empty blocks on top."""
        with self.lock:
            self.tester.mine_blocks(blocks)

    def head(self) -> int:
        """The newest block number."""
        with self.lock:
            return int(self.w3.eth.block_number)

    def block_time(self, number: int) -> int:
        """A block's timestamp."""
        with self.lock:
            return int(self.w3.eth.get_block(number)["timestamp"])

    def snapshot(self) -> Any:
        """A point to reorganise back to."""
        with self.lock:
            return self.tester.take_snapshot()

    def reorganise(self, snapshot: Any) -> None:
        """Drop every block after ``snapshot`` (then mine others: a reorg)."""
        with self.lock:
            self.tester.revert_to_snapshot(snapshot)

    def rpc(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one JSON-RPC request as a node would (quantities as hex)."""
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": request.get("id")}
        try:
            with self.lock:  # through web3's tester middleware: hex params in, values out
                result = self.w3.manager.request_blocking(
                    request["method"], request.get("params", [])
                )
        except Exception as error:  # a node answers every failure as an error
            reply["error"] = {"code": -32000, "message": f"{type(error).__name__}: {error}"}
        else:
            reply["result"] = to_rpc(result)
        return reply


def to_rpc(value: Any) -> Any:
    """Python values of eth-tester -> JSON-RPC's: ints as hex quantities, bytes as hex."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {k: to_rpc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_rpc(v) for v in value]
    return value


# -- serving: the node and Gamma --------------------------------------------------------------


class ChainServer(LoopbackServer):
    """The chain's JSON-RPC on loopback, and Gamma's ``/markets`` beside it (``/gamma``).

    ``requests`` counts the RPC methods asked; ``down`` makes every RPC answer a 503,
    ``gamma_down`` every Gamma request.
    """

    def __init__(self, chain: LocalChain, markets: dict[str, dict[str, Any]]) -> None:
        self.chain = chain
        self.markets = markets  # token id -> Gamma market
        self.requests: list[str] = []
        self.down = False
        self.gamma_down = False
        server = self

        class Handler(JsonHandler):
            def serve(self, method: str) -> None:
                url = urlparse(self.path)
                if method == "GET" and url.path == "/gamma/markets" and server.gamma_down:
                    self.send_json(503, {"error": "down"})
                    return
                if method == "GET" and url.path == "/gamma/markets":
                    wanted = parse_qs(url.query).get("clob_token_ids", [""])[0].split(",")
                    found = {id(m): m for t, m in server.markets.items() if t in wanted}
                    self.send_json(200, list(found.values()))
                    return
                if method != "POST" or server.down:
                    self.send_json(503, {"error": "down"})
                    return
                length = int(self.headers.get("Content-Length", "0"))
                request = json.loads(self.rfile.read(length))
                server.requests.append(str(request.get("method")))
                if isinstance(request, list):
                    self.send_json(200, [server.chain.rpc(r) for r in request])
                else:
                    self.send_json(200, server.chain.rpc(request))

        self.serve(Handler)

    @property
    def gamma_url(self) -> str:
        """Where the fake Gamma answers."""
        return self.origin + "/gamma"


def gamma_market(condition_id: str, tokens: tuple[int, int], outcomes: tuple[str, str]) -> dict:
    """A Gamma ``/markets`` object (clobTokenIds and outcomes as JSON strings)."""
    return {
        "conditionId": condition_id,
        "question": "A test market",
        "clobTokenIds": json.dumps([str(t) for t in tokens]),
        "outcomes": json.dumps(list(outcomes)),
        "active": True,
        "closed": False,
        "acceptingOrders": True,
    }
