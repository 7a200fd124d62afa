"""The fake's check of Kalshi's request signature (what the real exchange checks)."""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


class Unauthorized(Exception):
    """A request the exchange refuses with 401."""


def verify(
    keys: Mapping[str, Any],
    method: str,
    full_path: str,
    headers: Any,
    *,
    window_ms: int,
    now_ms: Callable[[], int] = lambda: time.time_ns() // 1_000_000,
) -> str:
    """The key id of a correctly signed, fresh request; Unauthorized otherwise."""
    key_id = headers.get("KALSHI-ACCESS-KEY") or ""
    stamp = headers.get("KALSHI-ACCESS-TIMESTAMP") or ""
    signature = headers.get("KALSHI-ACCESS-SIGNATURE") or ""
    public = keys.get(key_id)
    if public is None:
        raise Unauthorized("unknown api key")
    if not stamp.isdigit():
        raise Unauthorized("bad timestamp")
    if abs(now_ms() - int(stamp)) > window_ms:
        raise Unauthorized("timestamp outside the window")
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        raise Unauthorized("signature is not base64") from None
    text = f"{stamp}{method.upper()}{full_path}".encode()
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(raw, text)
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, text, PSS, hashes.SHA256())
        else:
            raise Unauthorized("unsupported key")
    except InvalidSignature:
        raise Unauthorized("invalid signature") from None
    return str(key_id)
