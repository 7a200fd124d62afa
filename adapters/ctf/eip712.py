"""The CTF Exchange ``Order`` structs as EIP-712 typed data; signing and signer recovery.

Polymarket's CTF Exchange v1 ``Order`` is the struct Limitless still signs (domain "Limitless
CTF Exchange", version "1"); Polymarket's own exchange moved to v2 (no taker, expiration, nonce
or fee; a timestamp, metadata and builder instead), which py-clob-client-v2 signs for the
Polymarket adapter and the fake CLOB checks with :func:`recover_signer`. The verifying contract
is the exchange that will settle the order: per market on Limitless, per market kind on
Polymarket.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_utils import keccak

from engine.secrets import Secret

DOMAIN_FIELDS: list[dict[str, str]] = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

ORDER_V1_FIELDS: list[dict[str, str]] = [
    {"name": "salt", "type": "uint256"},
    {"name": "maker", "type": "address"},
    {"name": "signer", "type": "address"},
    {"name": "taker", "type": "address"},
    {"name": "tokenId", "type": "uint256"},
    {"name": "makerAmount", "type": "uint256"},
    {"name": "takerAmount", "type": "uint256"},
    {"name": "expiration", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "feeRateBps", "type": "uint256"},
    {"name": "side", "type": "uint8"},
    {"name": "signatureType", "type": "uint8"},
]

ORDER_V2_FIELDS: list[dict[str, str]] = [
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

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
SIDE_CODE = {"BUY": 0, "SELL": 1}


def order_typed_data(
    *,
    name: str,
    version: str,
    chain_id: int,
    exchange: str,
    fields: list[dict[str, str]],
    message: dict[str, Any],
) -> dict[str, Any]:
    """The full EIP-712 message of an ``Order`` for the exchange ``exchange``."""
    return {
        "types": {"EIP712Domain": DOMAIN_FIELDS, "Order": fields},
        "primaryType": "Order",
        "domain": {
            "name": name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": exchange,
        },
        "message": message,
    }


def _signable(typed: dict[str, Any]) -> SignableMessage:
    return encode_typed_data(full_message=typed)


def typed_data_hash(typed: dict[str, Any]) -> str:
    """The EIP-712 digest (the order hash the exchange computes), 0x-hex lowercase."""
    signable = _signable(typed)
    return "0x" + keccak(b"\x19" + signable.version + signable.header + signable.body).hex()


def sign_typed_data(key: Secret, typed: dict[str, Any]) -> str:
    """The 65-byte signature of the typed data by ``key`` (revealed for this call only)."""
    signed = Account.sign_message(_signable(typed), private_key=key.reveal())
    return "0x" + bytes(signed.signature).hex()


def recover_signer(typed: dict[str, Any], signature: str) -> str:
    """The address that signed the typed data (checksummed)."""
    return str(Account.recover_message(_signable(typed), signature=signature))


def address_of(key: Secret) -> str:
    """The checksummed address of a private key."""
    return str(Account.from_key(key.reveal()).address)
