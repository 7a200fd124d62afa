"""What a notification channel is, and the webhook channel.

A channel sends one notice and either returns or raises: :class:`TransientChannelError` (try
again later: a timeout, a 5xx, flood control not yet over) or :class:`PermanentChannelError`
(this notice will never go: a 4xx). Neither error's text holds a URL, a token or a response
body, only what kind of failure it was, so it can be printed as it is.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from adapters.notify.config import WebhookConfig
from projections.notices import Notice

EVENT_ID_HEADER = "X-Tape-Event-Id"


class ChannelError(RuntimeError):
    """A notice did not reach a channel."""


class TransientChannelError(ChannelError):
    """The channel may take it later."""


class PermanentChannelError(ChannelError):
    """The channel refused this notice for good."""


@dataclass(frozen=True)
class Outgoing:
    """A notice as a channel sends it: how loud, and the dashboard link when there is one."""

    notice: Notice
    silent: bool = False
    link: str | None = None

    def text(self) -> str:
        """The message text, with the link on its own line."""
        return self.notice.text + (f"\n{self.link}" if self.link else "")


class Channel(Protocol):
    """A place notices go."""

    name: str

    def send(self, outgoing: Outgoing) -> None:
        """Deliver one notice (raises a :class:`ChannelError`)."""

    def close(self) -> None:
        """Release its connections."""


def classify(status: int, what: str) -> ChannelError:
    """The error an HTTP status means (429 and 5xx: later; other 4xx: never)."""
    if status == 429 or status >= 500 or status == 408:
        return TransientChannelError(f"{what} answered HTTP {status}")
    return PermanentChannelError(f"{what} answered HTTP {status}")


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_template(template: Mapping[str, str], fields: Mapping[str, Any]) -> dict[str, str]:
    """A template's fields filled from the notice (unknown placeholders stay as written)."""
    formatter = string.Formatter()
    out = {}
    for name, text in template.items():
        try:
            out[name] = formatter.vformat(text, (), _Fields(fields))
        except (ValueError, IndexError, AttributeError, KeyError):
            out[name] = text
    return out


class WebhookChannel:
    """POSTs each notice to one URL as JSON, the event id in ``X-Tape-Event-Id`` (and
    ``Idempotency-Key``) so the receiver can drop a repeat."""

    def __init__(self, url: str, config: WebhookConfig, *, index: int = 1) -> None:
        self.name = f"webhook{index}"
        self.url = url
        self.config = config
        self.client = httpx.Client(timeout=config.timeout_s)

    def body(self, outgoing: Outgoing) -> dict[str, Any]:
        """The JSON body: the notice, or its kind's template filled from it."""
        notice = outgoing.notice
        plain = notice.to_json() | {"silent": outgoing.silent, "link": outgoing.link}
        template = self.config.templates.get(notice.kind)
        if template is None:
            return plain
        return render_template(template, {**notice.data, **plain})

    def send(self, outgoing: Outgoing) -> None:
        """One POST; any answer but 2xx is an error."""
        event = outgoing.notice.event_id
        try:
            response = self.client.post(
                self.url,
                content=json.dumps(self.body(outgoing), sort_keys=True),
                headers={
                    "Content-Type": "application/json",
                    EVENT_ID_HEADER: event,
                    "Idempotency-Key": event,
                },
            )
        except httpx.TimeoutException:
            raise TransientChannelError(f"{self.name} timed out") from None
        except httpx.HTTPError as error:
            raise TransientChannelError(f"{self.name}: {type(error).__name__}") from None
        if not response.is_success:
            raise classify(response.status_code, self.name)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()
