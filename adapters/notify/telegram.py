"""The Telegram channel: the Bot API's ``sendMessage`` over httpx.

Messages longer than Telegram's 4096 characters are split at line ends; every send waits its
turn in a per-chat token bucket (``rate_per_minute``, Telegram's flood limit is about 20 a
minute in a group), and a 429 is honoured: the channel sleeps ``parameters.retry_after``
seconds and tries again, up to ``retries`` times, then the notice waits in the outbox. The
token is part of every URL, so nothing here lets an httpx error, a URL or a response body
escape: errors name the failure only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from adapters.notify.channels import Outgoing, PermanentChannelError, TransientChannelError
from adapters.notify.config import TelegramConfig
from engine.secrets import Secret

MAX_TEXT = 4096
MAX_RETRY_AFTER_S = 120.0
CHAT_WRITES = frozenset({"sendMessage", "editMessageText"})

# httpx logs each request's URL at INFO, and a Bot API URL holds the token.
logging.getLogger("httpx").setLevel(logging.WARNING)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """The text in pieces of at most ``limit`` characters, cut at line ends where it can."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


class TokenBucket:
    """At most ``per_minute`` sends a minute, in bursts of at most that many."""

    def __init__(
        self,
        per_minute: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.tokens = self.capacity
        self.clock = clock
        self.sleep = sleep
        self.stamp = clock()
        self.lock = threading.Lock()

    def take(self) -> None:
        """Wait until a send is allowed, and count it."""
        with self.lock:
            while True:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                self.sleep((1 - self.tokens) / self.rate)


class TelegramChannel:
    """Sends notices to one chat through the Bot API."""

    name = "telegram"

    def __init__(
        self,
        api_url: str,
        token: Secret,
        chat_id: str,
        config: TelegramConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.chat_id = chat_id
        self.config = config
        self.sleep = sleep
        self.bucket = TokenBucket(config.rate_per_minute, sleep=sleep)
        self.client = httpx.Client(timeout=config.timeout_s)

    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One Bot API call, flood control honoured; its ``result`` (raises a channel error).
        Only what writes to the chat waits its turn in the bucket (not ``getUpdates``)."""
        url = f"{self.api_url}/bot{self.token.reveal()}/{method}"
        for _ in range(self.config.retries + 1):
            if method in CHAT_WRITES:
                self.bucket.take()
            try:
                response = self.client.post(url, json=payload)
            except httpx.TimeoutException:
                raise TransientChannelError(f"telegram {method} timed out") from None
            except httpx.HTTPError as error:
                raise TransientChannelError(f"telegram {method}: {type(error).__name__}") from None
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            if response.status_code == 429:
                retry = (answer.get("parameters") or {}).get("retry_after", 1)
                self.sleep(min(float(retry), MAX_RETRY_AFTER_S))
                continue
            if response.status_code >= 500:
                raise TransientChannelError(
                    f"telegram {method} answered HTTP {response.status_code}"
                )
            if not answer.get("ok"):
                raise PermanentChannelError(
                    f"telegram {method} refused (HTTP {response.status_code})"
                )
            result = answer.get("result")
            return result if isinstance(result, dict) else {"result": result}
        raise TransientChannelError(f"telegram {method}: still flood-limited")

    def send(self, outgoing: Outgoing) -> None:
        """The notice's text, in as many messages as its length needs."""
        for piece in split_text(outgoing.text()):
            self.call(
                "sendMessage",
                {
                    "chat_id": self.chat_id,
                    "text": piece,
                    "disable_notification": outgoing.silent,
                    "disable_web_page_preview": True,
                },
            )

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()
