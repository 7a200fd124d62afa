"""The CTF contract's ``redeemPositions`` with web3: the calldata, the transaction signed with
the key (a ``Secret``, revealed only inside the signing call), its broadcast and receipt.

Only an EOA wallet redeems this way: shares held by a Polymarket proxy or Safe wallet must be
redeemed by that wallet (Polymarket's site does it), so ``tape redeem`` refuses those."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_typing import HexStr
from web3 import Web3
from web3.exceptions import TimeExhausted

from engine.secrets import Secret

ZERO_COLLECTION = b"\x00" * 32
BINARY_INDEX_SETS = (1, 2)  # both outcome slots of a binary condition: the winner pays
CTF_ABI: list[dict[str, Any]] = [
    {
        "name": "redeemPositions",
        "type": "function",
        "stateMutability": "nonpayable",
        "inputs": [
            {"name": "collateralToken", "type": "address"},
            {"name": "parentCollectionId", "type": "bytes32"},
            {"name": "conditionId", "type": "bytes32"},
            {"name": "indexSets", "type": "uint256[]"},
        ],
        "outputs": [],
    }
]
GAS_LIMIT = 300_000


@dataclass(frozen=True)
class SignedRedemption:
    """A signed ``redeemPositions`` transaction."""

    tx_hash: str
    nonce: int
    raw_tx: str


@dataclass(frozen=True)
class Receipt:
    """What the chain says of a transaction: mined (status 1 or 0) in a block, or not yet."""

    mined: bool
    succeeded: bool = False
    block_number: int = 0


class CtfRedeemer:
    """Signs and sends ``redeemPositions`` calls to the conditional tokens contract."""

    def __init__(
        self,
        w3: Web3,
        *,
        key: Secret,
        contract: str,
        collateral: str,
        chain_id: int,
        receipt_timeout_s: float = 120.0,
    ) -> None:
        self.w3 = w3
        self.key = key
        self.address = Account.from_key(key.reveal()).address
        self.contract = w3.eth.contract(address=Web3.to_checksum_address(contract), abi=CTF_ABI)
        self.collateral = Web3.to_checksum_address(collateral)
        self.chain_id = chain_id
        self.receipt_timeout_s = receipt_timeout_s

    def calldata(self, condition_id: str, index_sets: tuple[int, ...]) -> str:
        """The ``redeemPositions`` call's data (hex)."""
        return str(
            self.contract.encode_abi(
                "redeemPositions",
                args=[
                    self.collateral,
                    ZERO_COLLECTION,
                    bytes.fromhex(condition_id.removeprefix("0x")),
                    list(index_sets),
                ],
            )
        )

    def sign(self, condition_id: str, index_sets: tuple[int, ...]) -> SignedRedemption:
        """The transaction, signed with the next nonce of the key's address."""
        nonce = self.w3.eth.get_transaction_count(self.address, "pending")
        base_fee = self.w3.eth.get_block("latest").get("baseFeePerGas", 0) or 0
        tip = self.w3.to_wei(30, "gwei")
        transaction = {
            "to": self.contract.address,
            "data": self.calldata(condition_id, index_sets),
            "value": 0,
            "gas": GAS_LIMIT,
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": 2 * int(base_fee) + tip,
            "nonce": nonce,
            "chainId": self.chain_id,
            "type": 2,
        }
        signed = Account.sign_transaction(transaction, self.key.reveal())
        return SignedRedemption(
            tx_hash=Web3.to_hex(signed.hash),
            nonce=nonce,
            raw_tx=Web3.to_hex(signed.raw_transaction),
        )

    def broadcast(self, raw_tx: str) -> None:
        """Send the signed bytes (a node that already has them answers so; that is fine)."""
        try:
            self.w3.eth.send_raw_transaction(HexStr(raw_tx))
        except ValueError as error:
            if "known" not in str(error).lower():
                raise

    def receipt(self, tx_hash: str, *, wait: bool = True) -> Receipt:
        """The transaction's receipt (waiting up to the timeout when ``wait``)."""
        try:
            if wait:
                found = self.w3.eth.wait_for_transaction_receipt(
                    HexStr(tx_hash), timeout=self.receipt_timeout_s
                )
            else:
                found = self.w3.eth.get_transaction_receipt(HexStr(tx_hash))
        except (TimeExhausted, Exception) as error:  # not mined (yet), or unknown to the node
            if isinstance(error, TimeExhausted) or "not found" in str(error).lower():
                return Receipt(mined=False)
            raise
        return Receipt(
            mined=True, succeeded=found["status"] == 1, block_number=int(found["blockNumber"])
        )
