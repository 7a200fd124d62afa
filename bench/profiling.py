"""Summaries of a pyinstrument profile: the functions that take the most time, with their share.

pyinstrument samples the stack every millisecond and measures wall-clock time, so time spent
blocked in C (an fsync inside ``sqlite3.Connection.commit``) is charged to the call that waited,
which is what an intake profile must show. Two views are kept: *self* time (where the samples
landed, built-in calls included) and *inclusive* time (the function and everything it called,
counted once per stack even when it recurses). Shares are of the whole profiled call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Match = tuple[str, str]  # a function name as pyinstrument shows it, and a part of its file path

WATCHED: dict[str, tuple[Match, ...]] = {
    "engine: receive (the intent recorded)": (("receive", "engine/handlers/intake.py"),),
    "engine: decide (verdict + write-ahead)": (("decide_intent", "engine/handlers/deciding.py"),),
    "engine: execute (venue call + report applied)": (("execute", "engine/handlers/execution.py"),),
    "the decision itself (engine/decision.py)": (("decide", "engine/decision.py"),),
    "day file parse (JSON + pydantic)": (("parse_day_line", "adapters/dayfile.py"),),
    "SQLite commit (fsync of the WAL)": (("Connection.commit", "<built-in>"),),
    "SQLite statements (execute)": (
        ("Cursor.execute", "<built-in>"),
        ("Connection.execute", "<built-in>"),
    ),
    "library save() (encode, insert, commit)": (("save", "eventsourcing/application.py"),),
    "library repository.get()": (("get", "eventsourcing/application.py"),),
    "aggregate cache deep copies": (("deepcopy", "copy.py"),),
    "aggregate rebuilt from its events": (("project_aggregate", "eventsourcing/application.py"),),
    "event decode (JSON + transcodings)": (("to_domain_event", "eventsourcing/persistence.py"),),
    "event encode (JSON + transcodings)": (("to_stored_event", "eventsourcing/persistence.py"),),
    "runtime-checkable Protocol isinstance": (("__instancecheck__", "typing.py"),),
    "replay digest (decision_digest)": (("decision_digest", "projections/digest.py"),),
    "replay digest folded as the log is read": (("add", "projections/digest.py"),),
    "replay: produced events encoded as steps end": (
        ("_collected", "adapters/replay/produced.py"),
    ),
    "projections: folds of the events (apply)": (("apply", "projections/views/base.py"),),
    "projections: row JSON encode/decode": (
        ("encode_row", "projections/rows.py"),
        ("decode_row", "projections/rows.py"),
    ),
    "projections: rows written back (flush)": (("flush", "projections/table_rows.py"),),
}
"""Labelled costs looked for in every profile (inclusive time, nested calls counted once)."""


@dataclass(frozen=True)
class FrameView:
    """The parts of a pyinstrument frame the summary reads."""

    label: str
    function: str
    file: str
    time: float
    self_time: float
    synthetic: bool
    children: tuple[FrameView, ...]


def _label(frame: Any) -> str:
    where = frame.file_path_short or frame.file_path or "?"
    line = f":{frame.line_no}" if frame.line_no else ""
    owner = getattr(frame, "class_name", None)
    function = frame.function if not owner or "." in frame.function else f"{owner}.{frame.function}"
    return f"{function} ({where}{line})"


def view(frame: Any) -> FrameView:
    """Copy a pyinstrument frame tree into plain :class:`FrameView` objects."""
    return FrameView(
        label=_label(frame),
        function=frame.function,
        file=(frame.file_path or "").replace("\\", "/"),
        time=frame.time,
        self_time=frame.total_self_time,
        synthetic=frame.is_synthetic,
        children=tuple(view(child) for child in frame.children),
    )


def _walk(frame: FrameView, ancestors: frozenset[str]) -> Iterator[tuple[FrameView, bool]]:
    """Every real frame with whether it is the outermost of its label on its stack."""
    outermost = frame.label not in ancestors
    yield frame, outermost
    inner = ancestors | {frame.label}
    for child in frame.children:
        if not child.synthetic:
            yield from _walk(child, inner)


def summarize(root: FrameView, *, top: int = 15) -> dict[str, Any]:
    """The top functions by self and by inclusive time, and the :data:`WATCHED` costs."""
    total = root.time or 1e-12
    self_times: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)
    watched: dict[str, float] = defaultdict(float)
    for frame, outermost in _walk(root, frozenset()):
        self_times[frame.label] += frame.self_time
        if outermost:
            inclusive[frame.label] += frame.time
    for name, matches in WATCHED.items():
        watched[name] = _outermost_time(root, matches)

    def ranked(times: dict[str, float]) -> list[dict[str, Any]]:
        best = sorted(times.items(), key=lambda item: item[1], reverse=True)[:top]
        return [
            {"function": label, "seconds": round(t, 4), "share": round(t / total, 4)}
            for label, t in best
        ]

    return {
        "total_s": round(total, 3),
        "top_self": ranked(self_times),
        "top_inclusive": ranked({k: v for k, v in inclusive.items() if v < total * 0.999}),
        "watched": [
            {"cost": name, "seconds": round(t, 4), "share": round(t / total, 4)}
            for name, t in watched.items()
        ],
    }


def _outermost_time(frame: FrameView, matches: tuple[Match, ...]) -> float:
    """Time in calls that match, not counting one inside another twice."""
    if not frame.synthetic and any(
        frame.function == function and part in frame.file for function, part in matches
    ):
        return frame.time
    return sum(_outermost_time(child, matches) for child in frame.children)
