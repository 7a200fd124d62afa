"""Scoped API-token authentication: the ``lmts-*`` headers of one request.

``lmts-signature`` is ``base64(HMAC_SHA256(base64decode(secret), canonical))`` with
``canonical = timestamp \\n METHOD \\n path-with-query \\n body`` (the exact body bytes sent, empty
for a GET) and ``lmts-timestamp`` an ISO-8601 UTC time with milliseconds, which the server
accepts within 30 s of its own. The same recipe as limitless-sdk's ``api/hmac.py`` (a test
compares the two byte for byte).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from engine.secrets import Secret


def iso_timestamp(now: datetime) -> str:
    """``2026-01-01T00:00:00.000Z``."""
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def signature(secret: Secret, timestamp: str, method: str, path: str, body: str) -> str:
    """The ``lmts-signature`` of one request (the secret revealed for this call only)."""
    canonical = f"{timestamp}\n{method.upper()}\n{path}\n{body}"
    key = base64.b64decode(secret.reveal())
    return base64.b64encode(hmac.new(key, canonical.encode(), hashlib.sha256).digest()).decode()


def auth_headers(
    token_id: str, secret: Secret, *, method: str, path: str, body: str, now: datetime
) -> dict[str, str]:
    """The three headers of a request to ``path`` (with its query) carrying ``body``."""
    timestamp = iso_timestamp(now)
    return {
        "lmts-api-key": token_id,
        "lmts-timestamp": timestamp,
        "lmts-signature": signature(secret, timestamp, method, path, body),
    }
