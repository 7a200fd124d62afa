"""Kalshi's request signature: ``timestamp_ms + METHOD + path`` (the path with its
``/trade-api/v2`` prefix, without the query; the body and host unsigned), RSA-PSS with SHA-256
and a salt as long as the digest, or Ed25519; standard base64. Done with ``cryptography`` and
handed to httpx as an ``httpx.Auth``, so every request is signed as it is sent.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Generator

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from adapters.kalshi.config import KalshiConfigError
from engine.secrets import Secret

PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


def load_private_key(pem: Secret) -> PrivateKey:
    """The private key of PEM text (PKCS#1 or PKCS#8 RSA, or Ed25519); a key that does not
    load is a KalshiConfigError naming the variable it came from."""
    try:
        key = serialization.load_pem_private_key(pem.reveal().encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KalshiConfigError(
            f"{pem.name}: not an unencrypted PEM private key (RSA PKCS#1/PKCS#8 or Ed25519)"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise KalshiConfigError(f"{pem.name}: the key must be RSA or Ed25519")
    return key


def message(timestamp_ms: int, method: str, path: str) -> bytes:
    """The signed text: timestamp, upper-case method, path without its query."""
    return f"{timestamp_ms}{method.upper()}{path.split('?', 1)[0]}".encode()


def sign(key: PrivateKey, text: bytes) -> str:
    """The base64 signature of ``text``."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return base64.b64encode(key.sign(text)).decode()
    return base64.b64encode(key.sign(text, PSS, hashes.SHA256())).decode()


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class KalshiAuth(httpx.Auth):
    """Signs every request: ``KALSHI-ACCESS-KEY``, ``-TIMESTAMP`` and ``-SIGNATURE``.

    The key is loaded from its ``Secret`` once; it is never shown (``repr`` names the key id).
    """

    def __init__(
        self, key_id: str, private_key: Secret, *, clock_ms: Callable[[], int] = _wall_ms
    ) -> None:
        self.key_id = key_id
        self._key = load_private_key(private_key)
        self.clock_ms = clock_ms

    def __repr__(self) -> str:
        return f"KalshiAuth(key id {self.key_id})"

    def headers(self, method: str, path: str) -> dict[str, str]:
        """The three headers of one request at the clock's time."""
        now = self.clock_ms()
        return {
            "KALSHI-ACCESS-KEY": self.key_id,
            "KALSHI-ACCESS-TIMESTAMP": str(now),
            "KALSHI-ACCESS-SIGNATURE": sign(self._key, message(now, method, path)),
        }

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """httpx's hook: sign the request's method and URL path."""
        request.headers.update(self.headers(request.method, request.url.path))
        yield request
