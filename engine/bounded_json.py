"""Decoding untrusted JSON within bounds, so no line or request reaches arithmetic or the store
unbounded: nesting depth, integer size, finite numbers and valid Unicode are checked here."""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32
"""Deepest nesting a record may have; tape's formats need 4."""
MAX_INT_DIGITS = 30
"""Longest JSON integer: money, prices and sizes travel as decimal strings, never integers."""
MAX_STRING_CHARS = 10_000
"""Longest string value or key."""


class InputBoundsError(ValueError):
    """A decoded input is outside the bounds every input is held to; the text says which."""


def loads_bounded(text: str | bytes) -> Any:
    """Decode one JSON document, or raise ``json.JSONDecodeError`` (not JSON) or
    ``InputBoundsError`` (JSON outside the bounds)."""
    try:
        data = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_refuse_constant,
        )
    except RecursionError:
        raise InputBoundsError(f"nested deeper than {MAX_DEPTH} levels") from None
    except UnicodeDecodeError:
        raise InputBoundsError("not valid UTF-8") from None
    if not _bounded_by_text(text):
        check_bounds(data)
    return data


def _bounded_by_text(text: str | bytes) -> bool:
    """Whether the text alone shows that what it decodes to is within bounds, so the walk of
    :func:`check_bounds` cannot fail: no string in it can be longer than the whole text, none
    nests deeper than its brackets count, and a lone surrogate needs a ``\\u`` escape or a
    surrogate in the text itself (which does not encode). Most lines pass; the rest are walked."""
    if isinstance(text, bytes) or len(text) > MAX_STRING_CHARS or "\\u" in text:
        return False
    if text.count("[") + text.count("{") > MAX_DEPTH:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_bounds(data: Any) -> None:
    """Raise ``InputBoundsError`` if a decoded value nests too deep or holds a string that is
    too long or not valid Unicode (a lone surrogate, which no store can encode)."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_string(value)
        elif isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise InputBoundsError(f"nested deeper than {MAX_DEPTH} levels")
            if isinstance(value, dict):
                for key in value:
                    _check_string(key)
                pending.extend((item, depth + 1) for item in value.values())
            else:
                pending.extend((item, depth + 1) for item in value)


def _check_string(value: str) -> None:
    if len(value) > MAX_STRING_CHARS:
        raise InputBoundsError(f"a string longer than {MAX_STRING_CHARS} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputBoundsError("a string that is not valid Unicode (a lone surrogate)") from None


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise InputBoundsError(f"an integer of more than {MAX_INT_DIGITS} digits")
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > MAX_INT_DIGITS * 2:
        raise InputBoundsError(f"a number of more than {MAX_INT_DIGITS * 2} characters")
    value = float(text)
    if not math.isfinite(value):
        raise InputBoundsError(f"a number out of range ({text})")
    return value


def _refuse_constant(text: str) -> Any:
    raise InputBoundsError(f"{text} is not a number JSON allows")
