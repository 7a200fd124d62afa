"""Numbers as people write them, for every surface a person reads (tables, ``why``, summaries,
notifications): no exponent (``20``, never ``2E+1``), percentages to two decimals (``49.99%``,
never ``49.99122960884055428872127697%``).

Events keep their exact values and texts (replay compares them byte for byte); only what is
shown is rewritten. ``readable`` does it for the texts a decision recorded (a sizing rule, a
check's detail), which carry their numbers inside words.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from engine.values import dec_str

CENT = Decimal("0.01")
# A number with a signed exponent, as Decimal writes one (2E+1, 1E-7); an unsigned one (1E5)
# may be part of an identifier (a Kalshi ticker), so it is left alone.
_EXPONENT = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?[eE][+-]\d+(?![\w.])")
_PERCENT = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)\s?%")


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            return None
    if isinstance(value, float):
        return Decimal(repr(value))
    return None


def number(value: Any) -> str:
    """A number in plain decimal notation, exact, without trailing zeros (``2E+1`` -> ``20``,
    ``1.50`` -> ``1.5``); anything that is not a number is shown as it is."""
    found = _decimal(value)
    if found is None or not found.is_finite():
        return str(value)
    return dec_str(found)


def percent(value: Any) -> str:
    """A percentage to two decimals, half up (``49.99122960884`` -> ``49.99%``, ``10`` ->
    ``10.00%``)."""
    found = _decimal(value)
    if found is None or not found.is_finite():
        return f"{value}%"
    wide = Context(prec=max(28, found.adjusted() + 4))  # room for every digit kept
    rounded = found.quantize(CENT, ROUND_HALF_UP, context=wide)  # as people round
    text = format(rounded, "f")
    return ("0.00" if rounded.is_zero() else text) + "%"  # never -0.00%


def readable(text: Any) -> Any:
    """A recorded text with its numbers as people write them: exponents spelled out,
    percentages to two decimals. Anything but a string is returned as it is."""
    if not isinstance(text, str):
        return text
    spelled = _EXPONENT.sub(lambda m: number(m.group(0)), text)
    return _PERCENT.sub(lambda m: percent(m.group(1)), spelled)
