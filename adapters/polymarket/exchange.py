"""The ``ExchangeClient`` boundary: everything Tape asks of a CLOB V2 client library.

The venue adapter speaks only this Protocol, in plain data (integer micro-unit amounts, JSON
dicts, two error types), so the client library can be swapped without touching the adapter.
:class:`adapters.polymarket.clob_client.ClobV2ExchangeClient` implements it with
``py-clob-client-v2``; importing this module loads no client library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from adapters.polymarket.errors import error_message
from engine.values import OrderType, Side

# -- errors -----------------------------------------------------------------------------------


class ExchangeError(Exception):
    """A client-side failure (bad setup, unexpected answer)."""


class ExchangeHTTPError(ExchangeError):
    """The venue answered with a status other than 200."""

    def __init__(self, status: int, body: Any, what: str) -> None:
        super().__init__(f"{what}: HTTP {status}: {error_message(body)}")
        self.status = status
        self.body = body
        self.what = what


class ExchangeRateLimitedError(ExchangeHTTPError):
    """Still 429 after the bounded backoff."""


class ExchangeTransportError(ExchangeError):
    """No answer: timeout, refused or dropped connection (the outcome is unknown)."""


# -- plain data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnsignedOrder:
    """A V2 order before signing: integer micro-unit amounts, already on the grids."""

    token_id: str
    side: Side
    maker_amount: int
    taker_amount: int
    neg_risk: bool
    salt: int
    timestamp_ms: int


@dataclass(frozen=True)
class SignedOrder:
    """A signed V2 order: its EIP-712 hash is the venue's order id."""

    order: UnsignedOrder
    order_hash: str
    signature: str
    maker: str
    signer: str
    exchange: str
    native: Any  # the library's own signed-order object, for post_order


class ExchangeClient(Protocol):
    """What the Polymarket adapter needs from a CLOB V2 client."""

    signer_address: str
    funder_address: str

    def ensure_credentials(self) -> None:
        """Have L2 credentials: the configured ones, or create/derive them with L1."""
        ...

    def sign_order(self, order: UnsignedOrder) -> SignedOrder:
        """Sign an order for the standard or the neg-risk exchange (EIP-712, domain "2")."""
        ...

    def post_order(self, order: SignedOrder, order_type: OrderType) -> dict[str, Any]:
        """POST /order; the 200 answer."""
        ...

    def get_order(self, order_hash: str) -> dict[str, Any] | None:
        """GET /data/order/<hash>; None when the venue answers with nothing."""
        ...

    def get_trades(
        self, *, asset_id: str | None = None, market: str | None = None, after: int | None = None
    ) -> list[dict[str, Any]]:
        """GET /data/trades, every page."""
        ...

    def cancel_order(self, order_hash: str) -> dict[str, Any]:
        """DELETE /order."""
        ...

    def get_order_book(self, token_id: str) -> dict[str, Any]:
        """GET /book (public)."""
        ...

    def get_ok(self) -> Any:
        """GET / (public): the server's health."""
        ...

    def get_balance_allowance(self) -> dict[str, Any]:
        """GET /balance-allowance for the collateral, as the venue sees it."""
        ...
