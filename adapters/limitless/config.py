"""Limitless configuration from the mapping handed in (never ``os.environ``).

- ``LIMITLESS_PRIVATE_KEY``: the signing wallet's key (hex). Unset: Limitless trades on paper.
- ``LIMITLESS_API_KEY``: the scoped API token's id; ``LIMITLESS_API_SECRET``: its secret
  (base64). Both required with the key.
- ``LIMITLESS_API_URL`` (``https://api.limitless.exchange``), ``BASE_RPC_URL``
  (``https://mainnet.base.org``): hosts.
- ``LIMITLESS_CHAIN_ID``: 8453 Base (default), 84532 Base Sepolia (the orders' EIP-712 chain).
- ``LIMITLESS_COLLATERAL_ADDRESS``, ``LIMITLESS_CONDITIONAL_TOKENS_ADDRESS``: overrides of
  Base's USDC and CTF (a testnet or a test chain).
- ``LIMITLESS_TIMEOUT_S``: HTTP timeout of one call (10).
- ``LIMITLESS_STATE_DIR``: the order journal's folder (``$TAPE_HOME/limitless``).

The key and the API secret become :class:`engine.secrets.Secret` the moment they are read; no
message of this module ever contains their value.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.config_file import ConfigError
from adapters.storage import tape_home
from engine.secrets import Secret

KEY_VARIABLE = "LIMITLESS_PRIVATE_KEY"
DEFAULT_API_URL = "https://api.limitless.exchange"
DEFAULT_RPC_URL = "https://mainnet.base.org"
BASE = 8453
USDC = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"  # native USDC on Base (6 decimals)
CONDITIONAL_TOKENS = "0xC9c98965297Bc527861c898329Ee280632B76e18"  # Gnosis CTF on Base

_HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class LimitlessConfigError(ConfigError):
    """The Limitless configuration cannot be used; the message names the variable."""


@dataclass(frozen=True)
class LimitlessConfig:
    """Everything the Limitless adapter needs; the key and the API secret only as Secrets."""

    key: Secret
    api_key: str
    api_secret: Secret
    api_url: str = DEFAULT_API_URL
    rpc_url: str = DEFAULT_RPC_URL
    chain_id: int = BASE
    collateral: str = USDC
    conditional_tokens: str = CONDITIONAL_TOKENS
    timeout_s: float = 10.0
    state_dir: Path | None = None

    def describe(self) -> list[str]:
        """What is configured, without any secret."""
        return [
            f"API {self.api_url} with token {self.api_key}",
            f"chain {self.chain_id} through {self.rpc_url}",
            f"order journal in {self.state_dir}" if self.state_dir else "order journal in memory",
        ]


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise LimitlessConfigError(f"{name} is not set; {KEY_VARIABLE} needs it to trade live")
    return value


def _address(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name, "").strip() or default
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
        raise LimitlessConfigError(f"{name} is not a 0x address of 20 bytes")
    return value


def config_from_env(environ: Mapping[str, str]) -> LimitlessConfig | None:
    """The configuration, None without ``LIMITLESS_PRIVATE_KEY`` (paper); a
    :class:`LimitlessConfigError` naming the variable when what is set cannot be used."""
    raw_key = environ.get(KEY_VARIABLE, "").strip()
    if not raw_key:
        return None
    if not _HEX_KEY.match(raw_key):
        raise LimitlessConfigError(f"{KEY_VARIABLE} is not a 32-byte hex key")
    key = Secret(KEY_VARIABLE, raw_key if raw_key.startswith("0x") else "0x" + raw_key)
    api_key = _required(environ, "LIMITLESS_API_KEY")
    raw_secret = _required(environ, "LIMITLESS_API_SECRET")
    try:
        base64.b64decode(raw_secret, validate=True)
    except (binascii.Error, ValueError):
        raise LimitlessConfigError("LIMITLESS_API_SECRET is not base64") from None
    timeout = environ.get("LIMITLESS_TIMEOUT_S", "").strip() or "10"
    try:
        timeout_s = float(timeout)
    except ValueError:
        raise LimitlessConfigError("LIMITLESS_TIMEOUT_S is not a number of seconds") from None
    if not timeout_s > 0:
        raise LimitlessConfigError("LIMITLESS_TIMEOUT_S must be above 0")
    chain = environ.get("LIMITLESS_CHAIN_ID", "").strip() or str(BASE)
    if not chain.isdigit():
        raise LimitlessConfigError("LIMITLESS_CHAIN_ID is not a chain id (8453 for Base)")
    state = environ.get("LIMITLESS_STATE_DIR", "").strip()
    state_dir = Path(state) if state else tape_home(dict(environ)) / "limitless"
    return LimitlessConfig(
        key=key,
        api_key=api_key,
        api_secret=Secret("LIMITLESS_API_SECRET", raw_secret),
        api_url=(environ.get("LIMITLESS_API_URL", "").strip() or DEFAULT_API_URL).rstrip("/"),
        rpc_url=environ.get("BASE_RPC_URL", "").strip() or DEFAULT_RPC_URL,
        chain_id=int(chain),
        collateral=_address(environ, "LIMITLESS_COLLATERAL_ADDRESS", USDC),
        conditional_tokens=_address(
            environ, "LIMITLESS_CONDITIONAL_TOKENS_ADDRESS", CONDITIONAL_TOKENS
        ),
        timeout_s=timeout_s,
        state_dir=state_dir,
    )
