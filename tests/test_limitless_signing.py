"""Tape's Limitless HMAC, order amounts and EIP-712 order signatures, byte for byte against
the official limitless-sdk (1.3): its ``compute_hmac_signature``, ``OrderBuilder`` amounts and
``OrderSigner``. The SDK is a test dependency only (ARCHITECTURE.md says why)."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st
from limitless_sdk.api.hmac import compute_hmac_signature
from limitless_sdk.orders.builder import OrderBuilder
from limitless_sdk.orders.signer import OrderSigner
from limitless_sdk.types.orders import OrderSigningConfig, UnsignedOrder
from limitless_sdk.types.orders import Side as SdkSide

from adapters.ctf.amounts import limit_amounts
from adapters.ctf.eip712 import recover_signer
from adapters.limitless.auth import auth_headers, iso_timestamp, signature
from adapters.limitless.journal import JournalEntry
from adapters.limitless.orders import order_body, salt_of, typed_order
from engine.secrets import Secret
from engine.values import Side

KEY = "0x" + "5d" * 32
ADDRESS = Account.from_key(KEY).address
EXCHANGES = (
    "0x05c748E2f4DcDe0ec9Fa8DDc40DE6b867f923fa5",
    "0xa4409D988CA2218d956BeEFD3874100F444f0DC3",
)

secrets_b64 = st.binary(min_size=16, max_size=64).map(lambda b: base64.b64encode(b).decode())
paths = st.from_regex(
    r"/[a-z0-9/\-]{1,40}(\?[a-z]{1,8}=[a-z0-9]{1,8}(&[a-z]{1,8}=[0-9]{1,3})?)?", fullmatch=True
)
bodies = st.one_of(st.just(""), st.text(max_size=200))


METHODS = st.sampled_from(["GET", "POST", "DELETE"])


@given(secret=secrets_b64, path=paths, body=bodies, method=METHODS, seconds=st.integers(0, 10**9))
@settings(max_examples=200, deadline=None)
def test_the_hmac_is_the_sdks(secret: str, path: str, body: str, method: str, seconds: int) -> None:
    stamp = iso_timestamp(datetime(2001, 1, 1, tzinfo=UTC) + timedelta(milliseconds=seconds))
    ours = signature(Secret("LIMITLESS_API_SECRET", secret), stamp, method, path, body)
    assert ours == compute_hmac_signature(secret, stamp, method, path, body)


def test_the_headers_carry_the_token_the_timestamp_and_the_signature_never_the_secret() -> None:
    secret = base64.b64encode(b"not-a-real-secret-at-all").decode()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    headers = auth_headers(
        "tok-1", Secret("S", secret), method="GET", path="/a?b=1", body="", now=now
    )
    assert headers["lmts-api-key"] == "tok-1"
    assert headers["lmts-timestamp"] == "2026-01-01T00:00:00.000Z"
    assert secret not in str(headers)


ticks = st.integers(1, 999).map(lambda n: Decimal(n) / 1000)
shares = st.integers(1, 10**7).map(lambda n: Decimal(n) / 1000)


@given(price=ticks, size=shares, side=st.sampled_from([Side.BUY, Side.SELL]))
@settings(max_examples=300, deadline=None)
def test_limit_amounts_are_the_sdks(price: Decimal, size: Decimal, side: Side) -> None:
    builder = OrderBuilder(ADDRESS, 0)
    sdk_side = SdkSide.BUY if side is Side.BUY else SdkSide.SELL
    expected = builder._calculate_amounts(float(price), float(size), sdk_side)
    ours = limit_amounts(side, price, size)
    assert (ours.maker_amount, ours.taker_amount) == expected


def an_entry(  # noqa: PLR0917 - the signed fields
    token: str, exchange: str, side: str, maker: int, taker: int, fee: int
) -> JournalEntry:
    """A journaled order with these signed fields."""
    return JournalEntry(
        client_order_id=f"tape-{token[:8]}", slug="m", token_id=token, side=side,
        order_type="GTC", price="0.5", size="1", exchange=exchange,
        salt=salt_of(token), maker_amount=maker, taker_amount=taker, fee_rate_bps=fee, owner_id=1,
    )  # fmt: skip


@given(
    token=st.integers(1, 2**256 - 1).map(str),
    exchange=st.sampled_from(EXCHANGES),
    side=st.sampled_from(["BUY", "SELL"]),
    maker=st.integers(1, 10**12),
    taker=st.integers(1, 10**12),
    fee=st.sampled_from([0, 300]),
)
@settings(max_examples=40, deadline=None)
def test_the_signed_order_is_the_sdks(  # noqa: PLR0917 - hypothesis's arguments
    token: str, exchange: str, side: str, maker: int, taker: int, fee: int
) -> None:
    entry = an_entry(token, exchange, side, maker, taker, fee)
    body = order_body(entry, Secret("LIMITLESS_PRIVATE_KEY", KEY), ADDRESS, chain_id=8453)
    unsigned = UnsignedOrder(
        salt=entry.salt, maker=ADDRESS, signer=ADDRESS,
        taker="0x0000000000000000000000000000000000000000", tokenId=token, makerAmount=maker,
        takerAmount=taker, expiration=0, nonce=0, feeRateBps=fee, side=0 if side == "BUY" else 1,
        signatureType=0,
    )  # fmt: skip
    config = OrderSigningConfig(chain_id=8453, contract_address=exchange)
    sdk = asyncio.run(OrderSigner(Account.from_key(KEY)).sign_order(unsigned, config))
    assert body["order"]["signature"] == sdk
    assert recover_signer(typed_order(entry, ADDRESS, chain_id=8453), sdk) == ADDRESS


def test_an_order_signed_for_one_exchange_does_not_verify_for_another() -> None:
    entry = an_entry("7", EXCHANGES[0], "BUY", 500_000, 1_000_000, 0)
    body = order_body(entry, Secret("K", KEY), ADDRESS, chain_id=8453)
    other = typed_order(
        an_entry("7", EXCHANGES[1], "BUY", 500_000, 1_000_000, 0), ADDRESS, chain_id=8453
    )
    assert recover_signer(other, body["order"]["signature"]) != ADDRESS
    assert KEY not in repr(body)


def test_the_salt_is_the_client_order_ids_and_in_the_sdks_range() -> None:
    assert salt_of("tape-abc") == salt_of("tape-abc")
    assert salt_of("tape-abc") != salt_of("tape-abd")
    assert all(1 <= salt_of(f"c{i}") < 2**32 for i in range(1000))
