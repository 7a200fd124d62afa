"""``ExchangeClient`` on ``py-clob-client-v2`` (see ARCHITECTURE.md for why that library).

Auth levels:

- L1 (the key signs an EIP-712 ``ClobAuth``): create or derive the API credentials;
- L2 (HMAC-SHA256 with the API secret): every trading call.

The private key stays a :class:`engine.secrets.Secret`: the signer object handed to the
library reveals it only inside the signing calls, and the derived API secret and passphrase
are wrapped into Secrets as soon as the library returns them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from eth_account import Account
from py_clob_client_v2.client import ClobClient
from py_clob_client_v2.clob_types import (
    AssetType,
    BalanceAllowanceParams,
    OrderPayload,
    TradeParams,
)
from py_clob_client_v2.exceptions import PolyApiException, PolyException
from py_clob_client_v2.http_helpers import helpers as clob_http
from py_clob_client_v2.order_builder.builder import OrderBuilder
from py_clob_client_v2.order_utils import (
    ExchangeOrderBuilderV2,
    OrderDataV2,
    SignatureTypeV2,
    SignedOrderV2,
)
from py_clob_client_v2.order_utils import Side as ClobSide
from py_clob_client_v2.signer import Signer

from adapters.polymarket.config import ApiCredentials, PolymarketConfig
from adapters.polymarket.contracts import Contracts
from adapters.polymarket.errors import RATE_LIMITED
from adapters.polymarket.exchange import (
    ExchangeError,
    ExchangeHTTPError,
    ExchangeRateLimitedError,
    ExchangeTransportError,
    SignedOrder,
    UnsignedOrder,
)
from adapters.polymarket.ratelimit import Backoff, RateLimiter
from engine.secrets import Secret
from engine.values import OrderType, Side

log = logging.getLogger(__name__)

T = TypeVar("T")


class _SecretSigner(Signer):
    """The library's Signer, with the key held as a Secret and revealed only when used."""

    def __init__(self, key: Secret, chain_id: int) -> None:
        # no super().__init__: it would keep the key and an Account built from it
        self._key = key
        self._address = str(Account.from_key(key.reveal()).address)
        self.chain_id = chain_id

    @property
    def private_key(self) -> str:
        """The key, for the library's signing calls only."""
        return self._key.reveal()

    def address(self) -> str:
        """The EOA address."""
        return self._address

    def __repr__(self) -> str:
        return f"_SecretSigner({self._address})"


class _SecretCreds:
    """L2 credentials in the shape the library reads (``api_key``/``api_secret``/...)."""

    def __init__(self, creds: ApiCredentials) -> None:
        self.api_key = creds.api_key
        self._creds = creds

    @property
    def api_secret(self) -> str:
        """The HMAC secret, revealed for one signature."""
        return self._creds.secret.reveal()

    @property
    def api_passphrase(self) -> str:
        """The passphrase, revealed for one request's headers."""
        return self._creds.passphrase.reveal()

    def __repr__(self) -> str:
        return f"_SecretCreds({self.api_key})"


class _TapeClobClient(ClobClient):
    """ClobClient without its post-order wait: after a match it would poll /data/trades for
    up to 30 s for settlement hashes; Tape follows fills itself (``poll_reports``)."""

    def _resolve_transactions_hashes(self, response: Any) -> Any:
        return response


class ClobV2ExchangeClient:
    """:class:`ExchangeClient` on ``py-clob-client-v2`` (CLOB V2 orders, L1/L2 auth)."""

    def __init__(
        self,
        config: PolymarketConfig,
        *,
        limiter: RateLimiter | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.config = config
        self.contracts: Contracts = config.contracts
        self.limiter = limiter or RateLimiter()
        self.backoff = backoff or Backoff()
        self.sleep = sleep or self.limiter.sleep
        # the library sends every request through one module-global httpx client (default
        # timeout 5 s, not configurable): replace it to set our timeout (process-wide)
        previous = clob_http._http_client
        clob_http._http_client = httpx.Client(http2=True, timeout=config.timeout_s)
        previous.close()
        self._signer = _SecretSigner(config.key, config.chain_id)
        self._client = _TapeClobClient(config.clob_url, chain_id=config.chain_id)
        self._client.signer = self._signer
        self._client.builder = OrderBuilder(
            signer=self._signer,
            signature_type=SignatureTypeV2(int(config.signature_type)),
            funder=config.funder,
        )
        self._client.mode = self._client._get_client_mode()
        self.signer_address = self._signer.address()
        self.funder_address = config.funder
        self.credentials: ApiCredentials | None = None
        if config.api_credentials is not None:
            self._use(config.api_credentials)

    # -- calls ------------------------------------------------------------------------------

    def _use(self, creds: ApiCredentials) -> None:
        self.credentials = creds
        self._client.set_api_creds(_SecretCreds(creds))

    def _call(self, family: str, what: str, fn: Callable[[], T]) -> T:
        """One request: rate limited, 429 retried with bounded backoff, errors translated."""
        delays = self.backoff.delays()
        while True:
            self.limiter.acquire(family)
            try:
                return fn()
            except PolyApiException as error:
                if error.status_code is None:
                    raise ExchangeTransportError(
                        f"{what}: no answer from {self.config.clob_url} "
                        "(timeout or connection error)"
                    ) from None
                if error.status_code == RATE_LIMITED and delays:
                    delay = delays.pop(0)
                    log.warning("%s: HTTP 429, retrying in %.2f s", what, delay)
                    self.sleep(delay)
                    continue
                if error.status_code == RATE_LIMITED:
                    raise ExchangeRateLimitedError(
                        error.status_code, error.error_msg, what
                    ) from None
                raise ExchangeHTTPError(error.status_code, error.error_msg, what) from None
            except PolyException as error:
                raise ExchangeError(f"{what}: {error.msg}") from None

    def ensure_credentials(self) -> None:
        """Use the configured L2 credentials, or create (else derive) them with L1."""
        if self.credentials is not None:
            return
        creds = self._call(
            "auth", "create or derive API key", self._client.create_or_derive_api_key
        )
        if not getattr(creds, "api_key", None):
            raise ExchangeError("create or derive API key: no credentials in the answer")
        self._use(
            ApiCredentials(
                creds.api_key,
                Secret("POLYMARKET_API_SECRET (derived)", creds.api_secret),
                Secret("POLYMARKET_API_PASSPHRASE (derived)", creds.api_passphrase),
            )
        )
        del creds

    def sign_order(self, order: UnsignedOrder) -> SignedOrder:
        """Sign with EIP-712 domain "Polymarket CTF Exchange" version "2" for the market's
        exchange (the neg-risk exchange for neg-risk markets)."""
        exchange = self.contracts.neg_risk_exchange if order.neg_risk else self.contracts.exchange
        builder = ExchangeOrderBuilderV2(
            exchange,
            self.config.chain_id,
            self._signer,
            generate_salt=lambda: str(order.salt),
        )
        data = OrderDataV2(
            maker=self.funder_address,
            tokenId=order.token_id,
            makerAmount=str(order.maker_amount),
            takerAmount=str(order.taker_amount),
            side=ClobSide.BUY if order.side is Side.BUY else ClobSide.SELL,
            signer=self.signer_address,
            signatureType=SignatureTypeV2(int(self.config.signature_type)),
            timestamp=str(order.timestamp_ms),
            expiration="0",
        )
        signed: SignedOrderV2 = builder.build_signed_order(data)
        order_hash = builder.build_order_hash(builder.build_order_typed_data(signed))
        return SignedOrder(
            order=order,
            order_hash=str(order_hash).lower(),
            signature=str(signed.signature),
            maker=self.funder_address,
            signer=self.signer_address,
            exchange=exchange,
            native=signed,
        )

    def post_order(self, order: SignedOrder, order_type: OrderType) -> dict[str, Any]:
        """POST /order with the signed order (L2)."""
        self.ensure_credentials()
        answer = self._call(
            "order",
            "POST /order",
            lambda: self._client.post_order(order.native, order_type.value, False, False),
        )
        if not isinstance(answer, dict):
            raise ExchangeError(f"POST /order: unexpected answer {answer!r:.200}")
        return answer

    def get_order(self, order_hash: str) -> dict[str, Any] | None:
        """GET /data/order/<hash> (L2)."""
        self.ensure_credentials()
        answer = self._call("data", "GET /data/order", lambda: self._client.get_order(order_hash))
        return answer if isinstance(answer, dict) and answer else None

    def get_trades(
        self, *, asset_id: str | None = None, market: str | None = None, after: int | None = None
    ) -> list[dict[str, Any]]:
        """GET /data/trades (L2), every page."""
        self.ensure_credentials()
        params = TradeParams(asset_id=asset_id, market=market, after=after)
        answer = self._call("data", "GET /data/trades", lambda: self._client.get_trades(params))
        return [t for t in answer or [] if isinstance(t, dict)]

    def cancel_order(self, order_hash: str) -> dict[str, Any]:
        """DELETE /order (L2)."""
        self.ensure_credentials()
        answer = self._call(
            "cancel",
            "DELETE /order",
            lambda: self._client.cancel_order(OrderPayload(orderID=order_hash)),
        )
        return answer if isinstance(answer, dict) else {}

    def get_order_book(self, token_id: str) -> dict[str, Any]:
        """GET /book (public)."""
        answer = self._call("book", "GET /book", lambda: self._client.get_order_book(token_id))
        if not isinstance(answer, dict):
            raise ExchangeError(f"GET /book: unexpected answer {answer!r:.200}")
        return answer

    def get_ok(self) -> Any:
        """GET / (public)."""
        return self._call("other", "GET /", self._client.get_ok)

    def get_balance_allowance(self) -> dict[str, Any]:
        """GET /balance-allowance for the collateral (L2)."""
        self.ensure_credentials()
        params = BalanceAllowanceParams(asset_type=AssetType.COLLATERAL)
        answer = self._call(
            "other", "GET /balance-allowance", lambda: self._client.get_balance_allowance(params)
        )
        return answer if isinstance(answer, dict) else {}
