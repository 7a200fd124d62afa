"""EIP-712 as the fake CLOB checks it: the V2 order struct and its domain, recovered
independently of the client library."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from tests.fake_clob.state import (
    ClobState,
)

ORDER_TYPES = [
    {"name": "salt", "type": "uint256"},
    {"name": "maker", "type": "address"},
    {"name": "signer", "type": "address"},
    {"name": "tokenId", "type": "uint256"},
    {"name": "makerAmount", "type": "uint256"},
    {"name": "takerAmount", "type": "uint256"},
    {"name": "side", "type": "uint8"},
    {"name": "signatureType", "type": "uint8"},
    {"name": "timestamp", "type": "uint256"},
    {"name": "metadata", "type": "bytes32"},
    {"name": "builder", "type": "bytes32"},
]
DOMAIN_TYPES = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


class ClobSigning(ClobState):
    """Recovers an order's signer and digest with the exchange contract of its market."""

    def _order_digest(self, order: dict[str, Any], exchange: str) -> tuple[str, str]:
        typed = {
            "types": {"EIP712Domain": DOMAIN_TYPES, "Order": ORDER_TYPES},
            "primaryType": "Order",
            "domain": {
                "name": "Polymarket CTF Exchange",
                "version": "2",
                "chainId": self.chain_id,
                "verifyingContract": exchange,
            },
            "message": {
                "salt": int(order["salt"]),
                "maker": order["maker"],
                "signer": order["signer"],
                "tokenId": int(order["tokenId"]),
                "makerAmount": int(order["makerAmount"]),
                "takerAmount": int(order["takerAmount"]),
                "side": 0 if order["side"] == "BUY" else 1,
                "signatureType": int(order["signatureType"]),
                "timestamp": int(order["timestamp"]),
                "metadata": bytes.fromhex(order["metadata"].removeprefix("0x").zfill(64)),
                "builder": bytes.fromhex(order["builder"].removeprefix("0x").zfill(64)),
            },
        }
        signable = encode_typed_data(full_message=typed)
        digest = "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()
        recovered = Account.recover_message(signable, signature=order["signature"])
        return digest.lower(), recovered
