"""The Limitless REST API over httpx: HMAC-signed requests, the per-token limiter, and 429s
answered after their ``Retry-After`` (bounded). Errors become :class:`LimitlessError`s whose
text holds the status and the venue's message, never a header."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from adapters.limitless.auth import auth_headers
from adapters.limitless.ratelimit import TokenLimiter
from engine.secrets import Secret

log = logging.getLogger(__name__)

RATE_LIMITED = 429
MAX_RETRY_AFTER_S = 10.0


class LimitlessError(Exception):
    """A call that did not give an answer we can use."""


class LimitlessTransportError(LimitlessError):
    """No answer (timeout, connection refused): the outcome is unknown."""


class LimitlessHTTPError(LimitlessError):
    """The API answered with an error status; ``message`` is its own words."""

    def __init__(self, status: int, message: str, what: str) -> None:
        super().__init__(f"{what}: HTTP {status}: {message}")
        self.status = status
        self.message = message


def error_text(body: Any) -> str:
    """The message of an error body (``message`` string or list, ``error`` or ``msg``)."""
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, list):
            return " | ".join(str(m) for m in message)
        for key in ("message", "error", "msg"):
            if body.get(key):
                return str(body[key])
        return json.dumps(body)[:300]
    return str(body)[:300]


def compact_json(payload: Any) -> str:
    """The body exactly as sent and signed (the SDK's separators)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class LimitlessClient:
    """Calls to one API host, signed with one token (public ones need none); ``limiter`` is
    that token's limit."""

    def __init__(
        self,
        base_url: str,
        token_id: str = "",
        secret: Secret | None = None,
        *,
        timeout_s: float = 10.0,
        limiter: TokenLimiter | None = None,
        retries_429: int = 3,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_id = token_id
        self._secret = secret
        self.limiter = limiter or TokenLimiter()
        self.retries_429 = retries_429
        self.now = now
        self.sleep = sleep or self.limiter.sleep
        self._http = httpx.Client(timeout=timeout_s)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        payload: Any = None,
        signed: bool = True,
    ) -> Any:
        """One call; its JSON answer (None when empty). Raises a :class:`LimitlessError`."""
        target = f"{path}?{urlencode(params, doseq=True)}" if params else path
        body = "" if payload is None else compact_json(payload)
        what = f"{method} {path}"
        for attempt in range(self.retries_429 + 1):
            headers = {"content-type": "application/json"} if body else {}
            if signed:
                if self._secret is None:
                    raise LimitlessError(
                        f"{what}: needs LIMITLESS_API_KEY and LIMITLESS_API_SECRET"
                    )
                headers |= auth_headers(
                    self.token_id,
                    self._secret,
                    method=method,
                    path=target,
                    body=body,
                    now=self.now(),
                )
            try:
                with self.limiter.call():
                    answer = self._http.request(
                        method, self.base_url + target, content=body or None, headers=headers
                    )
            except httpx.HTTPError as error:
                raise LimitlessTransportError(
                    f"{what}: no answer from {self.base_url} ({type(error).__name__})"
                ) from None
            if answer.status_code == RATE_LIMITED and attempt < self.retries_429:
                delay = _retry_after(answer.headers.get("retry-after"), attempt)
                log.warning("%s: HTTP 429, retrying in %.2f s", what, delay)
                self.sleep(delay)
                continue
            return _decoded(answer, what)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()


def _retry_after(header: str | None, attempt: int) -> float:
    try:
        seconds = float(header) if header is not None else 0.5 * 2**attempt
    except ValueError:
        seconds = 0.5 * 2**attempt
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _decoded(answer: httpx.Response, what: str) -> Any:
    try:
        body: Any = answer.json() if answer.content else None
    except ValueError:
        body = answer.text
    if answer.status_code >= 400:
        raise LimitlessHTTPError(answer.status_code, error_text(body), what)
    return body
