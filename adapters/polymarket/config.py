"""Polymarket configuration from the environment.

- ``POLYMARKET_PRIVATE_KEY``: the signing key (hex). Unset: Polymarket trades on paper.
- ``POLYMARKET_KEYSTORE`` + ``POLYMARKET_KEYSTORE_PASSWORD``: an encrypted keystore instead.
- ``POLYMARKET_FUNDER``: the address holding the funds (the order's maker); default the key's.
- ``POLYMARKET_SIGNATURE_TYPE``: 0 EOA (default), 1 POLY_PROXY (email/Magic wallets),
  2 POLY_GNOSIS_SAFE (browser wallets). 1 and 2 need ``POLYMARKET_FUNDER``.
- ``POLYMARKET_CLOB_URL``, ``POLYMARKET_GAMMA_URL``, ``POLYMARKET_DATA_URL``,
  ``POLYGON_RPC_URL``: hosts (production by default).
- ``POLYMARKET_CHAIN_ID``: 137 Polygon (default), 80002 Amoy.
- ``POLYMARKET_API_KEY``, ``POLYMARKET_API_SECRET``, ``POLYMARKET_API_PASSPHRASE``: existing
  L2 credentials (by default they are created or derived from the key, L1).
- ``POLYMARKET_COLLATERAL_ADDRESS``, ``POLYMARKET_CONDITIONAL_TOKENS_ADDRESS``: overrides.
- ``POLYMARKET_TIMEOUT_S``: HTTP timeout of one call (10).
- ``POLYMARKET_STATE_DIR``: the order journal's folder (``$TAPE_HOME/polymarket``).

Keys, API secrets and passphrases become :class:`engine.secrets.Secret` the moment they are
read; no message of this module ever contains their value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from pathlib import Path

from adapters.config_file import ConfigError
from adapters.polymarket.contracts import POLYGON, Contracts, contracts_for
from adapters.storage import tape_home
from engine.secrets import Secret

DEFAULT_CLOB_URL = "https://clob.polymarket.com"
DEFAULT_GAMMA_URL = "https://gamma-api.polymarket.com"
DEFAULT_DATA_URL = "https://data-api.polymarket.com"
DEFAULT_RPC_URL = "https://polygon-rpc.com"

_HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class PolymarketConfigError(ConfigError):
    """The Polymarket configuration cannot be used; the message names the variable."""


class SignatureType(IntEnum):
    """How the order's signer relates to its maker (the funder)."""

    EOA = 0
    POLY_PROXY = 1
    POLY_GNOSIS_SAFE = 2


_SIGNATURE_NAMES = {
    "0": SignatureType.EOA,
    "EOA": SignatureType.EOA,
    "1": SignatureType.POLY_PROXY,
    "POLY_PROXY": SignatureType.POLY_PROXY,
    "PROXY": SignatureType.POLY_PROXY,
    "2": SignatureType.POLY_GNOSIS_SAFE,
    "POLY_GNOSIS_SAFE": SignatureType.POLY_GNOSIS_SAFE,
    "GNOSIS_SAFE": SignatureType.POLY_GNOSIS_SAFE,
    "SAFE": SignatureType.POLY_GNOSIS_SAFE,
}


@dataclass(frozen=True)
class ApiCredentials:
    """L2 credentials: the key is an identifier, the secret and passphrase are Secrets."""

    api_key: str
    secret: Secret
    passphrase: Secret


@dataclass(frozen=True)
class PolymarketConfig:
    """Everything the Polymarket adapter needs; keys only as Secrets."""

    key: Secret
    signer_address: str
    funder: str
    signature_type: SignatureType
    chain_id: int = POLYGON
    clob_url: str = DEFAULT_CLOB_URL
    gamma_url: str = DEFAULT_GAMMA_URL
    data_url: str = DEFAULT_DATA_URL
    rpc_url: str = DEFAULT_RPC_URL
    contracts: Contracts = field(default_factory=lambda: contracts_for(POLYGON))
    api_credentials: ApiCredentials | None = None
    timeout_s: float = 10.0
    state_dir: Path | None = None

    def describe(self) -> list[str]:
        """The configuration as lines a person can read (no secret values)."""
        creds = (
            f"given ({self.api_credentials.secret.name})"
            if self.api_credentials
            else "derived from the key (L1)"
        )
        return [
            f"key            {self.key.name} (address {self.signer_address})",
            f"funder         {self.funder}",
            f"signature type {self.signature_type.value} ({self.signature_type.name})",
            f"chain id       {self.chain_id}",
            f"CLOB           {self.clob_url}",
            f"Gamma          {self.gamma_url}",
            f"Data API       {self.data_url}",
            f"Polygon RPC    {self.rpc_url}",
            f"API credentials {creds}",
            f"order journal  {self.state_dir or 'memory only'}",
        ]


def load_key(environ: Mapping[str, str]) -> Secret | None:
    """The signing key from POLYMARKET_PRIVATE_KEY or an encrypted keystore, or None."""
    raw = environ.get("POLYMARKET_PRIVATE_KEY", "").strip()
    keystore = environ.get("POLYMARKET_KEYSTORE", "").strip()
    if raw and keystore:
        raise PolymarketConfigError("set POLYMARKET_PRIVATE_KEY or POLYMARKET_KEYSTORE, not both")
    if raw:
        if not _HEX_KEY.match(raw):
            raise PolymarketConfigError(
                "POLYMARKET_PRIVATE_KEY is not a 32-byte hex key (64 hex digits, optional 0x)"
            )
        return Secret("POLYMARKET_PRIVATE_KEY", raw if raw.startswith("0x") else "0x" + raw)
    if not keystore:
        return None
    password = environ.get("POLYMARKET_KEYSTORE_PASSWORD")
    if password is None:
        raise PolymarketConfigError(
            "POLYMARKET_KEYSTORE is set but POLYMARKET_KEYSTORE_PASSWORD is not"
        )
    from eth_account import Account  # noqa: PLC0415 - loaded only with a key (slow import)

    path = Path(keystore)
    try:
        encrypted = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolymarketConfigError(
            f"POLYMARKET_KEYSTORE: cannot read the file it names ({error.strerror})"
        ) from None
    except ValueError:
        raise PolymarketConfigError(
            "POLYMARKET_KEYSTORE: the file it names is not a JSON keystore"
        ) from None
    try:
        key_bytes = Account.decrypt(encrypted, password)
    except (ValueError, KeyError, TypeError):
        raise PolymarketConfigError(
            "POLYMARKET_KEYSTORE: cannot decrypt it (wrong POLYMARKET_KEYSTORE_PASSWORD?)"
        ) from None
    return Secret("POLYMARKET_KEYSTORE", "0x" + bytes(key_bytes).hex())


def address_of(key: Secret) -> str:
    """The checksummed address of a key (revealed only to derive it)."""
    from eth_account import Account  # noqa: PLC0415 - loaded only with a key (slow import)

    try:
        return str(Account.from_key(key.reveal()).address)
    except (ValueError, TypeError):
        raise PolymarketConfigError(f"{key.name} is not a valid secp256k1 key") from None


def _address(environ: Mapping[str, str], name: str) -> str | None:
    from eth_utils.address import is_address, to_checksum_address  # noqa: PLC0415 - slow

    value = environ.get(name, "").strip()
    if not value:
        return None
    if not is_address(value):
        raise PolymarketConfigError(f"{name} is not an address (0x and 40 hex digits)")
    return str(to_checksum_address(value))


def _signature_type(environ: Mapping[str, str]) -> SignatureType | None:
    value = environ.get("POLYMARKET_SIGNATURE_TYPE", "").strip().upper()
    if not value:
        return None
    if value not in _SIGNATURE_NAMES:
        raise PolymarketConfigError(
            "POLYMARKET_SIGNATURE_TYPE must be 0 (EOA), 1 (POLY_PROXY) or 2 (POLY_GNOSIS_SAFE)"
        )
    return _SIGNATURE_NAMES[value]


def _url(environ: Mapping[str, str], name: str, default: str) -> str:
    value = environ.get(name, "").strip() or default
    if not value.startswith(("http://", "https://")):
        raise PolymarketConfigError(f"{name} must be an http(s) URL")
    return value.rstrip("/")


def _number(environ: Mapping[str, str], name: str, default: str) -> Decimal:
    value = environ.get(name, "").strip() or default
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise PolymarketConfigError(f"{name} must be a number") from None
    if number <= 0:
        raise PolymarketConfigError(f"{name} must be positive")
    return number


def _api_credentials(environ: Mapping[str, str]) -> ApiCredentials | None:
    names = ("POLYMARKET_API_KEY", "POLYMARKET_API_SECRET", "POLYMARKET_API_PASSPHRASE")
    values = [environ.get(name, "").strip() for name in names]
    if not any(values):
        return None
    if not all(values):
        raise PolymarketConfigError(
            "set all of POLYMARKET_API_KEY, POLYMARKET_API_SECRET and POLYMARKET_API_PASSPHRASE, "
            "or none of them (they are then derived from the key)"
        )
    return ApiCredentials(values[0], Secret(names[1], values[1]), Secret(names[2], values[2]))


def config_from_env(environ: Mapping[str, str]) -> PolymarketConfig | None:
    """The Polymarket configuration, or None when no key is configured (paper trading)."""
    key = load_key(environ)
    if key is None:
        return None
    signer = address_of(key)
    funder = _address(environ, "POLYMARKET_FUNDER")
    signature_type = _signature_type(environ)
    if signature_type is None:
        if funder is not None and funder != signer:
            raise PolymarketConfigError(
                "POLYMARKET_FUNDER differs from the key's address: set POLYMARKET_SIGNATURE_TYPE "
                "to 1 (POLY_PROXY, email/Magic wallets) or 2 (POLY_GNOSIS_SAFE, browser wallets)"
            )
        signature_type = SignatureType.EOA
    if signature_type is SignatureType.EOA:
        if funder is not None and funder != signer:
            raise PolymarketConfigError(
                "POLYMARKET_SIGNATURE_TYPE is 0 (EOA) but POLYMARKET_FUNDER is not the key's "
                "address: an EOA order's maker is its signer"
            )
        funder = signer
    elif funder is None:
        raise PolymarketConfigError(
            f"POLYMARKET_SIGNATURE_TYPE {signature_type.value} ({signature_type.name}) needs "
            "POLYMARKET_FUNDER, the proxy or Safe address that holds the funds"
        )
    chain_text = environ.get("POLYMARKET_CHAIN_ID", "").strip() or str(POLYGON)
    if not chain_text.isdigit():
        raise PolymarketConfigError("POLYMARKET_CHAIN_ID must be an integer")
    chain_id = int(chain_text)
    contracts = contracts_for(chain_id)
    collateral = _address(environ, "POLYMARKET_COLLATERAL_ADDRESS")
    if collateral:
        contracts = replace(contracts, collateral=collateral)
    ctf = _address(environ, "POLYMARKET_CONDITIONAL_TOKENS_ADDRESS")
    if ctf:
        contracts = replace(contracts, conditional_tokens=ctf)
    state = environ.get("POLYMARKET_STATE_DIR", "").strip()
    state_dir = Path(state) if state else tape_home(dict(environ)) / "polymarket"
    return PolymarketConfig(
        key=key,
        signer_address=signer,
        funder=funder,
        signature_type=signature_type,
        chain_id=chain_id,
        clob_url=_url(environ, "POLYMARKET_CLOB_URL", DEFAULT_CLOB_URL),
        gamma_url=_url(environ, "POLYMARKET_GAMMA_URL", DEFAULT_GAMMA_URL),
        data_url=_url(environ, "POLYMARKET_DATA_URL", DEFAULT_DATA_URL),
        rpc_url=_url(environ, "POLYGON_RPC_URL", DEFAULT_RPC_URL),
        contracts=contracts,
        api_credentials=_api_credentials(environ),
        timeout_s=float(_number(environ, "POLYMARKET_TIMEOUT_S", "10")),
        state_dir=state_dir,
    )
