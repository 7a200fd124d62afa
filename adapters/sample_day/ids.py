"""The ids of the sample markets and their tokens: derived from the index, the same for every
seed, so a test can name a market without generating a day."""

from __future__ import annotations

import hashlib
from functools import cache

VENUE = "polymarket"


def _digest(label: str) -> str:
    return hashlib.sha256(f"tape-sample/{label}".encode()).hexdigest()


@cache
def market_id(index: int) -> str:
    """The id (0x + 64 hex) of sample market ``index``; the same for every seed."""
    return "0x" + _digest(f"market/{index}")


@cache
def token_id(index: int, outcome: int) -> str:
    """The decimal token id of outcome 0 (Yes) or 1 (No) of sample market ``index``."""
    return str(int(_digest(f"token/{index}/{outcome}"), 16))


def trader_address(label: str) -> str:
    """The address (0x + 40 hex) of the sample trader ``label``."""
    return "0x" + _digest(f"trader/{label}")[:40]
