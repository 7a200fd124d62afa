"""What a verification found: how many events matched, and where the replay first diverged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from adapters.replay.log import StoredEvent


@dataclass(frozen=True)
class Divergence:
    """Where the replay first differs from the record."""

    position: int
    expected: StoredEvent | None
    actual: StoredEvent | None
    note: str

    def describe(self) -> str:
        """The divergence, side by side."""
        lines = [f"replay diverges at log position {self.position}: {self.note}"]
        width = 60
        left = _pretty(self.expected)
        right = _pretty(self.actual)
        lines.append(f"{'recorded':<{width}} | replayed")
        for index in range(max(len(left), len(right))):
            a = left[index] if index < len(left) else ""
            b = right[index] if index < len(right) else ""
            mark = " " if a == b else "*"
            lines.append(f"{a[:width]:<{width}}{mark}| {b[:width]}")
        return "\n".join(lines)


def _pretty(stored: StoredEvent | None) -> list[str]:
    if stored is None:
        return ["(nothing)"]
    head = [f"{stored.name} of {stored.originator_id} v{stored.version}"]
    body = json.dumps(json.loads(stored.state), indent=1, sort_keys=True).splitlines()
    return head + body


@dataclass
class VerifyResult:
    """What a verification compared and found."""

    compared: int = 0
    recorded_digest: str = ""
    replayed_digest: str = ""
    divergence: Divergence | None = None
    inputs: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every event matched."""
        return self.divergence is None
