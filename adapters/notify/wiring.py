"""Building the notifier and its channels from the Settings and ``[notify]``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date

from adapters.notify.channels import Channel, WebhookChannel
from adapters.notify.config import NotifyConfig
from adapters.notify.outbox import Notifier
from adapters.notify.telegram import TelegramChannel
from adapters.settings import TELEGRAM_CHAT_ENV, TELEGRAM_TOKEN_ENV, Settings, SettingsError
from projections.logs import LogSource
from projections.notices import Notice, daily_summary
from projections.queries import report
from projections.tracking import Projector


def build_channels(settings: Settings, config: NotifyConfig) -> list[Channel]:
    """Telegram when its token and chat are set, and each configured webhook."""
    channels: list[Channel] = []
    telegram = settings.telegram
    if telegram.token is not None and not telegram.chat_id:
        raise SettingsError(f"{TELEGRAM_TOKEN_ENV} is set but {TELEGRAM_CHAT_ENV} is not")
    if telegram.chat_id and telegram.token is None:
        raise SettingsError(f"{TELEGRAM_CHAT_ENV} is set but {TELEGRAM_TOKEN_ENV} is not")
    if telegram.token is not None and telegram.chat_id:
        channels.append(
            TelegramChannel(telegram.api_url, telegram.token, telegram.chat_id, config.telegram)
        )
    for index, url in enumerate(config.webhook.urls, start=1):
        channels.append(WebhookChannel(url, config.webhook, index=index))
    return channels


def build_notifier(
    logs: Sequence[LogSource],
    projector: Projector,
    config: NotifyConfig,
    *,
    batch: int = 500,
    wall: Callable[[], float] = time.time,
) -> Notifier:
    """The notifier over the logs, in the projector's store, with the day summaries of
    ``tape report``; ``wall``: the clock that ends quiet denial groups and days."""

    def summary(day: date) -> Notice | None:
        return daily_summary(report(list(logs), day))

    return Notifier(
        logs,
        projector.store,
        projector,
        levels=config.level,
        denial_window_s=config.denial_window_s,
        summary=summary,
        batch_size=batch,
        wall=wall,
    )
