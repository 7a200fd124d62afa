"""A Limitless order: Polymarket's CTF Exchange **v1** ``Order`` with integer amounts (x 1e6),
signed under the domain "Limitless CTF Exchange" version "1" on Base with the market's own
exchange contract as ``verifyingContract``, and the ``POST /orders`` body around it.

- GTC and FAK are limit orders: a BUY gives ``ceil(shares x price)`` micro-USDC for the
  shares, a SELL the shares for ``floor(shares x price)`` (exact on the 0.001 tick and share
  grid). ``price`` rides beside the signed order, unsigned, as the venue asks.
- Limitless's FOK is a market order by amount (``takerAmount`` 1, no limit price), which
  cannot promise Tape's FOK (all of ``size`` at ``price`` or better, or nothing): a Tape FOK is
  denied before sending (``VenueRequestDenied`` ``ORDER_TYPE_UNSUPPORTED``).
- ``salt`` is derived from the client order id, so a journaled order signs to the same bytes.
- ``feeRateBps`` is the profile's rate, 0 on a market whose fee module is COLLATERAL.
"""

from __future__ import annotations

import hashlib
from typing import Any

from adapters.ctf.amounts import GridError, check_price, check_size, limit_amounts
from adapters.ctf.eip712 import (
    ORDER_V1_FIELDS,
    SIDE_CODE,
    ZERO_ADDRESS,
    order_typed_data,
    sign_typed_data,
)
from adapters.limitless.journal import JournalEntry
from adapters.limitless.parsers import SHARE_STEP, MarketInfo
from engine.ports import OrderRequest, VenueRequestDenied
from engine.secrets import Secret
from engine.values import OrderType, Side, dec_str

DOMAIN_NAME = "Limitless CTF Exchange"
DOMAIN_VERSION = "1"
EOA = 0
MAX_CLIENT_ORDER_ID = 128


def salt_of(client_order_id: str) -> int:
    """The salt of an order, from its client order id (1 .. 2**32 - 1, the SDK's range)."""
    digest = int.from_bytes(hashlib.sha256(client_order_id.encode()).digest()[:8], "big")
    return digest % (2**32 - 1) + 1


def journal_entry(
    request: OrderRequest, market: MarketInfo, *, fee_rate_bps: int, owner_id: int
) -> JournalEntry:
    """Check an order against its market and grid; its journal line. Raises
    VenueRequestDenied (our no: nothing is sent)."""
    cid = request.client_order_id
    if len(cid) > MAX_CLIENT_ORDER_ID:
        raise VenueRequestDenied("INVALID_CLIENT_ORDER_ID", "client order id over 128 characters")
    if market.closed_reason:
        raise VenueRequestDenied("MARKET_CLOSED", market.closed_reason)
    if request.token_id not in market.position_ids:
        raise VenueRequestDenied(
            "UNKNOWN_TOKEN", f"token {request.token_id} is not an outcome of {market.slug}"
        )
    if request.order_type is OrderType.FOK:
        raise VenueRequestDenied(
            "ORDER_TYPE_UNSUPPORTED",
            "Limitless's FOK is a market order without a limit price; use FAK or GTC",
        )
    try:
        check_price(request.price, market.tick_size)
        check_size(request.size, SHARE_STEP)
        amounts = limit_amounts(request.side, request.price, request.size)
    except GridError as error:
        raise VenueRequestDenied(error.code, error.message) from None
    if market.min_size and request.size < market.min_size:
        raise VenueRequestDenied(
            "ORDER_SIZE_BELOW_MIN",
            f"size {dec_str(request.size)} is below the minimum {dec_str(market.min_size)}",
        )
    return JournalEntry(
        client_order_id=cid,
        slug=market.slug,
        token_id=request.token_id,
        side=request.side.value,
        order_type=request.order_type.value,
        price=dec_str(request.price),
        size=dec_str(request.size),
        exchange=market.exchange,
        salt=salt_of(cid),
        maker_amount=amounts.maker_amount,
        taker_amount=amounts.taker_amount,
        fee_rate_bps=0 if market.collateral_fee else fee_rate_bps,
        owner_id=owner_id,
    )


def typed_order(entry: JournalEntry, address: str, *, chain_id: int) -> dict[str, Any]:
    """The EIP-712 typed data of a journaled order signed by ``address`` (EOA)."""
    return order_typed_data(
        name=DOMAIN_NAME,
        version=DOMAIN_VERSION,
        chain_id=chain_id,
        exchange=entry.exchange,
        fields=ORDER_V1_FIELDS,
        message={
            "salt": entry.salt,
            "maker": address,
            "signer": address,
            "taker": ZERO_ADDRESS,
            "tokenId": int(entry.token_id),
            "makerAmount": entry.maker_amount,
            "takerAmount": entry.taker_amount,
            "expiration": 0,
            "nonce": 0,
            "feeRateBps": entry.fee_rate_bps,
            "side": SIDE_CODE[entry.side],
            "signatureType": EOA,
        },
    )


def order_body(entry: JournalEntry, key: Secret, address: str, *, chain_id: int) -> dict[str, Any]:
    """The ``POST /orders`` body of a journaled order, signed with ``key``."""
    typed = typed_order(entry, address, chain_id=chain_id)
    message = typed["message"]
    return {
        "order": {
            "salt": entry.salt,
            "maker": address,
            "signer": address,
            "taker": ZERO_ADDRESS,
            "tokenId": entry.token_id,
            "makerAmount": entry.maker_amount,
            "takerAmount": entry.taker_amount,
            "expiration": "0",
            "nonce": 0,
            "feeRateBps": entry.fee_rate_bps,
            "side": message["side"],
            "signatureType": EOA,
            "signature": sign_typed_data(key, typed),
            "price": float(entry.price),
        },
        "ownerId": entry.owner_id,
        "orderType": entry.order_type,
        "marketSlug": entry.slug,
        "clientOrderId": entry.client_order_id,
    }


def side_of(entry: JournalEntry) -> Side:
    """The entry's side."""
    return Side(entry.side)
