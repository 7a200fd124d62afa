"""Kalshi over HTTP (httpx): signed when a key is given, paced by token buckets, with a
bounded exponential backoff (tenacity) on 429.

Kalshi counts reads and writes in separate buckets (``reference/kalshi.md`` §6: Basic tier 20
reads and 10 writes a second); order create, amend and cancel are writes, everything else a
read. Each family has its own bucket and its own retry budget, so a burst of book reads never
delays an order, and an order is never retried more than ``write_retries`` times.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from adapters.polymarket.ratelimit import RateLimiter

KALSHI_LIMITS: dict[str, tuple[int, float]] = {"read": (20, 1.0), "write": (10, 1.0)}
"""Requests per second of the Basic tier (reads, writes)."""


class KalshiError(Exception):
    """A Kalshi call that did not give an answer we can use."""


class KalshiTransportError(KalshiError):
    """No answer (timeout, connection), a 5xx, or a 429 after the retries: outcome unknown."""


class KalshiHTTPError(KalshiError):
    """A 4xx answer: Kalshi's no, with its error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"HTTP {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class RateLimited(KalshiError):
    """A 429 (retried within the family's budget)."""


@dataclass(frozen=True)
class Retries:
    """How many times a 429 is retried, per family, and the first wait (doubling, capped)."""

    read: int = 4
    write: int = 2
    first_delay: float = 0.25
    max_delay: float = 4.0


def error_of(status: int, body: Any) -> KalshiHTTPError:
    """Kalshi's error envelope ``{"error": {code, message, details}}`` (or a flat one)."""
    error = body.get("error", body) if isinstance(body, dict) else {}
    if not isinstance(error, dict):
        error = {"message": str(error)}
    code = str(error.get("code") or f"http_{status}")
    text = str(error.get("message") or error.get("details") or "")
    return KalshiHTTPError(status, code, text[:300])


class KalshiClient:
    """JSON over httpx to one Kalshi base URL (``.../trade-api/v2``)."""

    def __init__(
        self,
        url: str,
        *,
        auth: httpx.Auth | None = None,
        timeout_s: float = 10.0,
        limiter: RateLimiter | None = None,
        retries: Retries | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, auth=auth, timeout=timeout_s)
        self.limiter = limiter or RateLimiter(KALSHI_LIMITS, sleep=sleep)
        self.retries = retries or Retries()
        self.sleep = sleep
        self.signed = auth is not None

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET a path under the base URL (a read)."""
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST a JSON body (a write)."""
        return self.call("POST", path, body=body)

    def delete(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """DELETE (a write)."""
        return self.call("DELETE", path, params=params)

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """One request with the family's pacing and 429 retries; the JSON answer."""
        family = "read" if method == "GET" else "write"
        attempts = 1 + (self.retries.read if family == "read" else self.retries.write)
        retrying = Retrying(
            retry=retry_if_exception_type(RateLimited),
            stop=stop_after_attempt(attempts),
            wait=wait_exponential(multiplier=self.retries.first_delay, max=self.retries.max_delay),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            return retrying(self._once, family, method, path, params, body)
        except RateLimited:
            raise KalshiTransportError(
                f"{method} {path}: rate limited (429) after {attempts} attempts"
            ) from None

    def _once(
        self,
        family: str,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
    ) -> Any:
        self.limiter.acquire(family)
        try:
            answer = self.http.request(method, path, params=params, json=body)
        except httpx.HTTPError as error:
            raise KalshiTransportError(f"{method} {path}: {type(error).__name__}") from None
        if answer.status_code == 429:
            raise RateLimited(f"{method} {path}: 429")
        if answer.status_code >= 500:
            raise KalshiTransportError(f"{method} {path}: HTTP {answer.status_code}")
        try:
            data = answer.json() if answer.content else {}
        except ValueError:
            data = {"error": {"message": answer.text[:200]}}
        if answer.status_code >= 400:
            raise error_of(answer.status_code, data)
        return data

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()
