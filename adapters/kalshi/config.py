"""Kalshi's configuration from the mapping handed in (never ``os.environ``).

The key is a ``Secret`` from the moment it is read; an error names the variable, never its
value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.config_file import ConfigError
from adapters.storage import tape_home
from engine.secrets import Secret

KEY_ID = "KALSHI_API_KEY_ID"
KEY_TEXT = "KALSHI_PRIVATE_KEY"
KEY_PATH = "KALSHI_PRIVATE_KEY_PATH"
URL = "KALSHI_API_URL"
TIMEOUT = "KALSHI_TIMEOUT_S"
STATE_DIR = "KALSHI_STATE_DIR"
KEY_VARIABLES = (KEY_TEXT, KEY_PATH)
PRODUCTION_URL = "https://external-api.kalshi.com/trade-api/v2"
DEMO_URL = "https://external-api.demo.kalshi.co/trade-api/v2"


class KalshiConfigError(ConfigError):
    """The Kalshi configuration cannot be used; the message names the variable."""


@dataclass(frozen=True)
class KalshiConfig:
    """What the live adapter needs: the key id, the private key (PEM), the host, the journal."""

    key_id: str
    private_key: Secret
    url: str = PRODUCTION_URL
    timeout_s: float = 10.0
    state_dir: Path | None = None

    def describe(self) -> list[str]:
        """Lines for ``tape health`` (no secret in them)."""
        return [
            f"key id {self.key_id}",
            f"host {self.url}",
            f"key from {self.private_key.name}",
            f"order journal {self.state_dir or 'memory only'}",
        ]


def public_url(environ: Mapping[str, str]) -> str:
    """The REST base URL (``KALSHI_API_URL`` or production), without a trailing slash."""
    url = environ.get(URL, "").strip().rstrip("/") or PRODUCTION_URL
    if not url.startswith(("http://", "https://")):
        raise KalshiConfigError(f"{URL} must be an http(s) URL ending in /trade-api/v2")
    return url


def config_from_env(environ: Mapping[str, str]) -> KalshiConfig | None:
    """The live configuration, or None when no key is set; raises KalshiConfigError when what
    is set cannot be used."""
    text = environ.get(KEY_TEXT, "").strip()
    path = environ.get(KEY_PATH, "").strip()
    if not text and not path:
        return None
    if text:
        key = Secret(KEY_TEXT, text.replace("\\n", "\n"))
    else:
        try:
            key = Secret(KEY_PATH, Path(path).expanduser().read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise KalshiConfigError(f"{KEY_PATH}: the key file cannot be read ({reason})") from None
    key_id = environ.get(KEY_ID, "").strip()
    if not key_id:
        raise KalshiConfigError(f"{KEY_ID} is not set: the key id goes with {key.name}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,99}", key_id):
        raise KalshiConfigError(f"{KEY_ID} must be the key's id (letters, digits and dashes)")
    from adapters.kalshi.signing import load_private_key  # noqa: PLC0415 - cryptography

    load_private_key(key)  # a key that does not load is a configuration error now
    try:
        timeout = float(environ.get(TIMEOUT, "") or 10.0)
    except ValueError:
        raise KalshiConfigError(f"{TIMEOUT} must be a number of seconds") from None
    state = environ.get(STATE_DIR, "").strip()
    state_dir = Path(state) if state else tape_home(dict(environ)) / "kalshi"
    return KalshiConfig(key_id, key, public_url(environ), timeout, state_dir)
