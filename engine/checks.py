"""A check's verdict, with the values it compared, so ``tape why`` never recomputes anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.values import dec_str


def show(value: Any) -> str:
    """The text a check records for a value."""
    if isinstance(value, Decimal):
        return dec_str(value)
    if isinstance(value, (list, tuple)):
        return ",".join(show(v) for v in value) or "(none)"
    if value is None:
        return "(none)"
    return str(value)


@dataclass(frozen=True)
class Check:
    """One firewall check: its name, whether it passed, a sentence, and the values it compared."""

    name: str
    passed: bool
    detail: str
    values: dict[str, str] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The check as stored in the verdict event."""
        return {
            "name": self.name,
            "passed": self.passed,
            "detail": self.detail,
            "values": dict(sorted(self.values.items())),
        }


def check(name: str, passed: bool, detail: str, **values: Any) -> Check:  # noqa: FBT001
    """Build a Check, rendering every value as text."""
    return Check(name, passed, detail, {k: show(v) for k, v in values.items()})
