"""EIP-712 as the fake CLOB checks it: the V2 order struct and its domain (``adapters.ctf``),
recovered independently of the client library."""

from __future__ import annotations

from typing import Any

from adapters.ctf.eip712 import (
    ORDER_V2_FIELDS,
    order_typed_data,
    recover_signer,
    typed_data_hash,
)
from tests.fake_clob.state import (
    ClobState,
)


class ClobSigning(ClobState):
    """Recovers an order's signer and digest with the exchange contract of its market."""

    def _order_digest(self, order: dict[str, Any], exchange: str) -> tuple[str, str]:
        typed = order_typed_data(
            name="Polymarket CTF Exchange",
            version="2",
            chain_id=self.chain_id,
            exchange=exchange,
            fields=ORDER_V2_FIELDS,
            message={
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
        )
        return typed_data_hash(typed).lower(), recover_signer(typed, order["signature"])
