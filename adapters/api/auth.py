"""Bearer-token auth for the API: ``Authorization: Bearer $TAPE_API_TOKEN``, compared in
constant time. Without a token (``--insecure-local``) the service is bound to 127.0.0.1 and
every request passes."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Request

from adapters.api.errors import ApiError

UNAUTHORISED = {"WWW-Authenticate": "Bearer"}


def authorised(header: str | None, token: str | None) -> bool:
    """Whether an ``Authorization`` header carries the token (always, without one)."""
    if token is None:
        return True
    if header is None:
        return False
    scheme, _, supplied = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(supplied.strip().encode("utf-8"), token.encode("utf-8"))


def require_token(token: str | None) -> Callable[[Request], None]:
    """A dependency that refuses a request without the bearer token (401)."""

    def check(request: Request) -> None:
        if not authorised(request.headers.get("authorization"), token):
            raise ApiError(401, "missing or wrong bearer token", UNAUTHORISED)

    return check
