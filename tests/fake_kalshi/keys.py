"""Test keys for the fake Kalshi: RSA (PKCS#1 and PKCS#8 PEM) and Ed25519, made once."""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

KEY_ID = "a952bcbe-ec3b-4b5b-b8f9-11dae589608c"  # a key id, not a secret


@cache
def rsa_key() -> rsa.RSAPrivateKey:
    """One RSA key for the whole test run (never used anywhere else)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ed25519_key() -> ed25519.Ed25519PrivateKey:
    """One Ed25519 key for the whole test run."""
    return ed25519.Ed25519PrivateKey.generate()


def pem(key: Any, *, pkcs8: bool = False) -> str:
    """The unencrypted PEM text of a private key (RSA: PKCS#1 unless ``pkcs8``)."""
    form = (
        serialization.PrivateFormat.PKCS8
        if pkcs8 or isinstance(key, ed25519.Ed25519PrivateKey)
        else serialization.PrivateFormat.TraditionalOpenSSL
    )
    text: bytes = key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption())
    return text.decode()
