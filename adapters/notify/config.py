"""The ``[notify]`` table of ``tape.toml``: which notices are sent and how loudly, the webhooks,
the Telegram command allowlist and the dashboard link. Unknown keys are refused.

```toml
[notify]
fill = "silent"            # each kind: "on" | "silent" | "off"
denial_window_s = 300      # denials within this many seconds are one notice
dashboard_url = "http://127.0.0.1:8000"

[notify.webhook]
urls = ["https://example.org/hook"]
timeout_s = 10
retries = 5
backoff_s = 0.5

[notify.telegram]
rate_per_minute = 20
allowed_users = [123456789]
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from projections.notices import KINDS, LOUDNESS

DEFAULT_LOUDNESS = dict.fromkeys(KINDS, "on")
TOP_KEYS = frozenset({*KINDS, "denial_window_s", "dashboard_url", "webhook", "telegram"})
WEBHOOK_KEYS = frozenset({"url", "urls", "timeout_s", "retries", "backoff_s", "templates"})
TELEGRAM_KEYS = frozenset({"rate_per_minute", "allowed_users", "timeout_s", "retries"})


class NotifyConfigError(ValueError):
    """The ``[notify]`` table cannot be used; the message names the key."""


@dataclass(frozen=True)
class WebhookConfig:
    """Where webhooks go and how hard to try: a POST per notice, JSON, the event id in the
    ``X-Tape-Event-Id`` header; ``templates`` maps a kind to a body of ``str.format`` fields."""

    urls: tuple[str, ...] = ()
    timeout_s: float = 10.0
    retries: int = 5
    backoff_s: float = 0.5
    templates: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class TelegramConfig:
    """Telegram's pace and who may command the bot (nobody unless listed)."""

    rate_per_minute: int = 20
    allowed_users: frozenset[int] = frozenset()
    timeout_s: float = 10.0
    retries: int = 5


@dataclass(frozen=True)
class NotifyConfig:
    """Everything of ``[notify]``; the defaults send every kind, to no webhook."""

    loudness: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_LOUDNESS))
    denial_window_s: float = 300.0
    dashboard_url: str | None = None
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)

    def level(self, kind: str) -> str:
        """How a kind is sent: on, silent or off."""
        return self.loudness.get(kind, "on")

    def why_url(self, why_id: str | None) -> str | None:
        """The dashboard's why page of an id, when a dashboard is configured."""
        if not self.dashboard_url or not why_id:
            return None
        return f"{self.dashboard_url.rstrip('/')}/#/why/{why_id}"


def _number(table: Mapping[str, Any], key: str, where: str, default: float) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise NotifyConfigError(f"{where}.{key} must be a number of at least 0")
    return float(value)


def _unknown(table: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        names = ", ".join(unknown)[:200]
        raise NotifyConfigError(f"{where}: unknown key {names} (known: {', '.join(sorted(known))})")


def parse_notify(table: Any, where: str = "notify") -> NotifyConfig:
    """The ``[notify]`` table, validated (raises :class:`NotifyConfigError`)."""
    if not isinstance(table, dict):
        raise NotifyConfigError(f"{where} must be a table")
    _unknown(table, TOP_KEYS, where)
    loudness = dict(DEFAULT_LOUDNESS)
    for kind in KINDS:
        if kind in table:
            if table[kind] not in LOUDNESS:
                raise NotifyConfigError(f"{where}.{kind} must be one of {', '.join(LOUDNESS)}")
            loudness[kind] = table[kind]
    url = table.get("dashboard_url")
    if url is not None and (
        not isinstance(url, str) or not url.startswith(("http://", "https://"))
    ):
        raise NotifyConfigError(f"{where}.dashboard_url must be an http(s) URL")
    return NotifyConfig(
        loudness=loudness,
        denial_window_s=_number(table, "denial_window_s", where, 300.0),
        dashboard_url=url,
        webhook=_webhook(table.get("webhook", {}), f"{where}.webhook"),
        telegram=_telegram(table.get("telegram", {}), f"{where}.telegram"),
    )


def _webhook(table: Any, where: str) -> WebhookConfig:
    if not isinstance(table, dict):
        raise NotifyConfigError(f"{where} must be a table")
    _unknown(table, WEBHOOK_KEYS, where)
    urls = list(table.get("urls", []))
    if "url" in table:
        urls.insert(0, table["url"])
    for url in urls:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise NotifyConfigError(f"{where}: every url must be an http(s) URL")
    templates = table.get("templates", {})
    if not isinstance(templates, dict) or any(
        kind not in KINDS or not isinstance(body, dict) for kind, body in templates.items()
    ):
        raise NotifyConfigError(f"{where}.templates: one table of text fields per kind")
    return WebhookConfig(
        urls=tuple(urls),
        timeout_s=_number(table, "timeout_s", where, 10.0),
        retries=int(_number(table, "retries", where, 5)),
        backoff_s=_number(table, "backoff_s", where, 0.5),
        templates={k: {str(f): str(v) for f, v in body.items()} for k, body in templates.items()},
    )


def _telegram(table: Any, where: str) -> TelegramConfig:
    if not isinstance(table, dict):
        raise NotifyConfigError(f"{where} must be a table")
    _unknown(table, TELEGRAM_KEYS, where)
    users = table.get("allowed_users", [])
    if not isinstance(users, list) or any(
        isinstance(u, bool) or not isinstance(u, int) for u in users
    ):
        raise NotifyConfigError(f"{where}.allowed_users must be a list of Telegram user ids")
    rate = int(_number(table, "rate_per_minute", where, 20))
    if rate < 1:
        raise NotifyConfigError(f"{where}.rate_per_minute must be at least 1")
    return TelegramConfig(
        rate_per_minute=rate,
        allowed_users=frozenset(users),
        timeout_s=_number(table, "timeout_s", where, 10.0),
        retries=int(_number(table, "retries", where, 5)),
    )
