"""``tape monitor``'s option parsing (``tape follow`` shares it): wallets to follow, exchange
addresses, and ``--since`` as unix seconds or an RFC 3339 time."""

from __future__ import annotations

import re
from datetime import UTC

from cli.errors import TapeUsageError
from engine.intent import parse_utc

_WALLET = re.compile(r"^0x[0-9a-fA-F]{40}$")


def parse_wallets(text: str) -> tuple[str, ...]:
    """Comma-separated 0x wallets, lowercased, de-duplicated in order."""
    wallets: list[str] = []
    for part in text.split(","):
        wallet = part.strip()
        if not wallet:
            continue
        if not _WALLET.match(wallet):
            raise TapeUsageError(f"--follow: {wallet!r} is not a 0x wallet address (40 hex digits)")
        if wallet.lower() not in wallets:
            wallets.append(wallet.lower())
    if not wallets:
        raise TapeUsageError("--follow: no wallet given")
    return tuple(wallets)


def parse_addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--exchange``: 0x addresses, as given."""
    for value in values:
        if not _WALLET.match(value):
            raise TapeUsageError(f"--exchange: {value!r} is not a 0x address")
    return tuple(values)


def parse_since(text: str | None) -> int | None:
    """``--since``: unix seconds, or an RFC 3339 UTC time."""
    if text is None:
        return None
    if text.isdigit():
        return int(text)
    try:
        return int(parse_utc(text).astimezone(UTC).timestamp())
    except ValueError:
        raise TapeUsageError(
            f"--since: {text!r} is neither unix seconds nor an RFC 3339 UTC time"
        ) from None
