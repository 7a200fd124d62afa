"""Settings: the one reader of the process environment and of the configuration file.

Everything else receives what it needs from a :class:`Settings` (built once per process, by the
command line or by a test from a mapping of its own). An unusable value is refused in one line
that names the variable and never repeats the value, which may be a secret pasted in the wrong
place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType

from adapters.config_file import CONFIG_ENV, DEFAULT_CONFIG, ConfigError, TapeConfig, load_config
from adapters.day_order import DEFAULT_MAX_GAP
from adapters.env_names import AliasConflictError, unknown_variable_warnings, with_aliases
from adapters.polymarket.config import DEFAULT_GAMMA_URL, DEFAULT_RPC_URL
from adapters.polymarket_data.client import DATA_URL_ENV, DEFAULT_DATA_URL
from adapters.storage import Storage, storage_at
from engine.secrets import Secret

HOME_ENV = "TAPE_HOME"
DATABASE_URL_ENV = "TAPE_DATABASE_URL"
DATABASE_SCHEMA_ENV = "TAPE_DATABASE_SCHEMA"
PAPER_URL_ENV = "TAPE_PAPER_URL"
PAPER_ONLY_ENV = "TAPE_PAPER_ONLY"
TOKEN_ENV = "TAPE_API_TOKEN"  # noqa: S105 - the variable's name, not a token
WORKERS_ENV = "TAPE_WORKERS"
BATCH_ENV = "TAPE_PROJECTION_BATCH"
DEBUG_ENV = "TAPE_DEBUG"
TELEGRAM_TOKEN_ENV = "TAPE_TELEGRAM_BOT_TOKEN"  # noqa: S105 - the variable's name
TELEGRAM_CHAT_ENV = "TAPE_TELEGRAM_CHAT_ID"
TELEGRAM_API_ENV = "TELEGRAM_API_URL"
DEFAULT_TELEGRAM_API = "https://api.telegram.org"
MAX_ITEMS_ENV = "TAPE_INTAKE_MAX_ITEMS"
DEFAULT_MAX_ITEMS = 500
MAX_TIME_GAP_ENV = "TAPE_MAX_TIME_GAP_S"
DEFAULT_HOME = Path(".tape")
RPC_URL_ENV = "POLYGON_RPC_URL"
GAMMA_URL_ENV = "POLYMARKET_GAMMA_URL"


class SettingsError(ValueError):
    """A variable holds a value Tape cannot use; the message names it, never its value."""


@dataclass(frozen=True)
class DataApiSettings:
    """What ``tape monitor`` takes from the environment: where the Data API is, and for its
    chain source the Polygon node and Gamma (token -> market)."""

    data_url: str  # the Polymarket Data API
    rpc_url: str = DEFAULT_RPC_URL  # POLYGON_RPC_URL: the Polygon JSON-RPC node
    gamma_url: str = DEFAULT_GAMMA_URL  # POLYMARKET_GAMMA_URL


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram bot the notifier talks through: its token (a ``Secret``), the chat it
    writes to, and the Bot API's address (a fake server's in tests)."""

    token: Secret | None
    chat_id: str | None
    api_url: str

    @property
    def configured(self) -> bool:
        """Whether both the token and the chat are set."""
        return self.token is not None and bool(self.chat_id)


@dataclass(frozen=True)
class Settings:
    """Everything a Tape process takes from its environment and its configuration file."""

    home: Path
    database_url: Secret | None  # may hold a password
    database_schema: str
    paper_url: str | None
    paper_only: bool
    api_token: Secret | None  # the HTTP intake's bearer token
    workers: int | None
    intake_max_items: int  # intents per request to ``tape serve`` (413 above)
    projection_batch: int | None
    monitor: DataApiSettings
    config_path: Path | None  # None: the copy-trading variables define one agent
    config_from_variable: bool  # config_path is $TAPE_CONFIG's (an error must not show it)
    debug: bool
    telegram: TelegramSettings
    max_time_gap: timedelta  # a day's record further than this after the one before is bad
    warnings: tuple[str, ...]  # unknown COPY_*/FOLLOW_*/MAX_* variables, with the close match
    # read-only; venue factories read their own variables. Kept out of repr: it is the whole
    # environment, venue keys and tokens included.
    venue_environ: Mapping[str, str] = field(repr=False)

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, config_path: Path | None = None
    ) -> Settings:
        """Read ``environ`` (the process environment when None) and choose the configuration
        file: ``config_path``, else ``$TAPE_CONFIG``, else ``./tape.toml`` when it exists."""
        given = os.environ if environ is None else environ
        try:
            env = MappingProxyType(with_aliases(given))  # MAX_INTENT_SIZE: the brief's name
        except AliasConflictError as error:
            raise SettingsError(str(error)) from None
        url = _text(env, DATABASE_URL_ENV)
        token = _text(env, TOKEN_ENV)
        return cls(
            home=Path(_text(env, HOME_ENV) or DEFAULT_HOME),
            database_url=Secret(DATABASE_URL_ENV, url) if url else None,
            database_schema=_text(env, DATABASE_SCHEMA_ENV),
            paper_url=_url(env, PAPER_URL_ENV) or None,
            paper_only=bool(env.get(PAPER_ONLY_ENV)),
            api_token=Secret(TOKEN_ENV, token) if token else None,
            workers=_count(env, WORKERS_ENV),
            intake_max_items=_count(env, MAX_ITEMS_ENV) or DEFAULT_MAX_ITEMS,
            projection_batch=_count(env, BATCH_ENV),
            monitor=DataApiSettings(
                data_url=_url(env, DATA_URL_ENV) or DEFAULT_DATA_URL,
                rpc_url=_url(env, RPC_URL_ENV) or DEFAULT_RPC_URL,
                gamma_url=_url(env, GAMMA_URL_ENV) or DEFAULT_GAMMA_URL,
            ),
            config_path=_config_path(env, config_path),
            config_from_variable=config_path is None and bool(_text(env, CONFIG_ENV)),
            debug=bool(env.get(DEBUG_ENV)),
            telegram=_telegram(env),
            max_time_gap=_max_time_gap(env),
            warnings=tuple(unknown_variable_warnings(env)),
            venue_environ=env,
        )

    def storage(self) -> Storage:
        """The event store: PostgreSQL when a database URL is set, else SQLite under home."""
        url = self.database_url.reveal() if self.database_url is not None else ""
        return storage_at(url, schema=self.database_schema, home=self.home)

    def with_config(self, path: Path | None) -> Settings:
        """These settings with a command's ``--config`` file, when it gives one."""
        if path is None:
            return self
        return replace(self, config_path=path, config_from_variable=False)

    def tape_config(self) -> TapeConfig:
        """The agents and the paper venue's settings (read when a command needs them)."""
        if self.config_from_variable and not (self.config_path and self.config_path.is_file()):
            raise ConfigError(f"{CONFIG_ENV} names no configuration file")
        return load_config(self.config_path, self.venue_environ)


def _telegram(env: Mapping[str, str]) -> TelegramSettings:
    token = _text(env, TELEGRAM_TOKEN_ENV)
    chat = _text(env, TELEGRAM_CHAT_ENV)
    if chat and not chat.lstrip("-").isdigit() and not chat.startswith("@"):
        raise SettingsError(f"{TELEGRAM_CHAT_ENV} must be a chat id (a number) or @channelname")
    api = _text(env, TELEGRAM_API_ENV) or DEFAULT_TELEGRAM_API
    if not api.startswith(("http://", "https://")):
        raise SettingsError(f"{TELEGRAM_API_ENV} must be an http(s) URL")
    return TelegramSettings(
        token=Secret(TELEGRAM_TOKEN_ENV, token) if token else None,
        chat_id=chat or None,
        api_url=api.rstrip("/"),
    )


def _text(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def _count(env: Mapping[str, str], name: str) -> int | None:
    text = _text(env, name)
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1")
    return int(text)


def _url(env: Mapping[str, str], name: str) -> str:
    text = _text(env, name)
    if text and not text.startswith(("http://", "https://")):
        raise SettingsError(f"{name} must be an http(s) URL")
    return text


def _max_time_gap(env: Mapping[str, str]) -> timedelta:
    seconds = _count(env, MAX_TIME_GAP_ENV)
    return DEFAULT_MAX_GAP if seconds is None else timedelta(seconds=seconds)


def _config_path(env: Mapping[str, str], given: Path | None) -> Path | None:
    if given is not None:
        return given
    if _text(env, CONFIG_ENV):
        return Path(_text(env, CONFIG_ENV))
    return DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None
