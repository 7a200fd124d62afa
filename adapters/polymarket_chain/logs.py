"""Raw ``eth_getLogs`` entries -> :class:`ChainFill`: one order's fill, from its owner's side.

The logs are decoded by web3 against the events' ABIs (:mod:`.abi`); a log of any other
shape is refused with :class:`LogError`. Amounts stay integers in the tokens' 1e6 units:
a BUY gives collateral (``makerAmountFilled``) and receives shares, a SELL the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from eth_abi.exceptions import DecodingError
from eth_utils import event_abi_to_log_topic
from web3 import Web3
from web3.exceptions import Web3Exception

from adapters.polymarket_chain.abi import (
    ORDER_FILLED_V1,
    ORDER_FILLED_V2,
    ORDERS_MATCHED_V1,
    ORDERS_MATCHED_V2,
)

FILLED = "OrderFilled"
MATCHED = "OrdersMatched"


class LogError(ValueError):
    """A log that is not a trade event of the known ABIs; the message says why."""


def _hex(value: Any) -> str:
    text = value.hex() if isinstance(value, bytes | bytearray) else str(value)
    text = text.lower()
    return text if text.startswith("0x") else "0x" + text


@dataclass(frozen=True)
class ChainFill:
    """One trade event: how much of one order was filled, seen from the order's maker."""

    tx_hash: str
    block_number: int
    block_hash: str
    log_index: int
    exchange: str  # lowercase address of the contract that emitted it
    event: str  # OrderFilled or OrdersMatched
    order_hash: str
    maker: str  # lowercase: the order's maker (OrdersMatched: the taker order's maker)
    side: str  # BUY or SELL, the order's
    token_id: str  # decimal text, as the CLOB and the Data API write it
    shares: int  # outcome tokens, 1e6 units
    usdc: int  # collateral, 1e6 units


if TYPE_CHECKING:
    from eth_typing import ABIEvent

_OFFLINE = Web3()
_EVENTS = {
    bytes(event_abi_to_log_topic(cast("ABIEvent", abi))): (
        version,
        abi["name"],
        _OFFLINE.eth.contract(abi=[abi]),
    )
    for version, abi in (
        (1, ORDER_FILLED_V1),
        (1, ORDERS_MATCHED_V1),
        (2, ORDER_FILLED_V2),
        (2, ORDERS_MATCHED_V2),
    )
}
TOPICS = tuple("0x" + topic.hex() for topic in _EVENTS)
"""topic0 of every trade event watched."""


def decode(log: Mapping[str, Any]) -> ChainFill:
    """One log as a ChainFill (LogError when it is not a trade event of the known ABIs)."""
    topics = log.get("topics") or []
    if not topics:
        raise LogError("a log without topics")
    first = topics[0]
    key = bytes(first) if isinstance(first, bytes | bytearray) else bytes.fromhex(_hex(first)[2:])
    known = _EVENTS.get(key)
    if known is None:
        raise LogError(f"topic {_hex(first)} is not OrderFilled or OrdersMatched")
    version, name, contract = known
    try:
        args = getattr(contract.events, name)().process_log(log)["args"]
    except (Web3Exception, DecodingError, ValueError, TypeError, KeyError) as error:
        raise LogError(f"{name}: cannot be decoded ({type(error).__name__})") from None
    if version == 1:
        side = "BUY" if args["makerAssetId"] == 0 else "SELL"
        token = args["takerAssetId"] if side == "BUY" else args["makerAssetId"]
    else:
        if args["side"] not in (0, 1):
            raise LogError(f"{name}: side {args['side']} is neither BUY (0) nor SELL (1)")
        side = "BUY" if args["side"] == 0 else "SELL"
        token = args["tokenId"]
    if token == 0:
        raise LogError(f"{name}: no outcome token on either side")
    making, taking = int(args["makerAmountFilled"]), int(args["takerAmountFilled"])
    maker = args["maker"] if name == FILLED else args["takerOrderMaker"]
    order_hash = args["orderHash"] if name == FILLED else args["takerOrderHash"]
    return ChainFill(
        tx_hash=_hex(log["transactionHash"]),
        block_number=int(log["blockNumber"]),
        block_hash=_hex(log["blockHash"]),
        log_index=int(log["logIndex"]),
        exchange=str(log["address"]).lower(),
        event=name,
        order_hash=_hex(order_hash),
        maker=str(maker).lower(),
        side=side,
        token_id=str(token),
        shares=taking if side == "BUY" else making,
        usdc=making if side == "BUY" else taking,
    )
