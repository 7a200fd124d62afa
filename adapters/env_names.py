"""The copy-trading variables' names: aliases the brief uses, and a warning for a name that
looks like one of them but is not (a typo would otherwise be silently ignored).

Works on the mapping ``adapters.settings`` read; it reads no environment itself.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

COPY_VARIABLES = (
    "FOLLOW_TRADERS",
    "MARKET_ALLOWLIST",
    "MAX_INTENT_SIZE_USDC",
    "MAX_INTENT_AGE_SECONDS",
    "COPY_SIZING_STRATEGY",
    "COPY_SIZE",
    "MAX_SLIPPAGE_PERCENT",
)
"""The variables that define the agent ``default`` when there is no configuration file."""

ALIASES = {"MAX_INTENT_SIZE": "MAX_INTENT_SIZE_USDC"}
"""Other names of a variable (alias -> the name Tape reads)."""

WATCHED_PREFIXES = ("COPY_", "FOLLOW_", "MAX_")
"""A variable with one of these prefixes that Tape does not know is probably a typo."""


class AliasConflictError(ValueError):
    """An alias and its variable are both set, to different values."""


def with_aliases(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` with each alias's value under the name Tape reads (the alias stays too); an
    alias and its variable set to different values is an error naming both (not the values)."""
    resolved = dict(env)
    for alias, name in ALIASES.items():
        value = env.get(alias, "").strip()
        if not value:
            continue
        current = env.get(name, "").strip()
        if current and current != value:
            raise AliasConflictError(
                f"{alias} and {name} are the same setting and are set to different values; "
                "set one of them"
            )
        resolved[name] = value
    return resolved


def unknown_variable_warnings(env: Mapping[str, str]) -> list[str]:
    """One line for each ``COPY_*``, ``FOLLOW_*`` or ``MAX_*`` variable Tape does not read,
    naming the closest known one when there is one (difflib), and for any other name that is
    nearly one of them."""
    known = (*COPY_VARIABLES, *ALIASES)
    lines = []
    for name in sorted(env):
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if not name.startswith(WATCHED_PREFIXES):
            # a typo in the prefix itself (FOLOW_TRADERS): only a name very close to one
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.85)
            if not close:
                continue
        hint = f"; did you mean {close[0]}?" if close else ""
        lines.append(f"{name} is not a variable Tape reads, so it is ignored{hint}")
    return lines
