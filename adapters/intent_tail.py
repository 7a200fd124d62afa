"""Tailing a ``tape.intent/1`` file that another process (``tape monitor --out``) appends to.

The reader remembers, in a small offset file written atomically, the byte offset just past the
last whole line the caller has handled, with that line's number. A restart resumes there: a
handled line is never read again. A last line without its newline is being written (or was cut
by a crash) and is left alone until its newline arrives.

Use::

    tail = IntentTail(path, offset_path)
    for record in tail.records(stop=event):
        handle(record)          # IntentRecord or BadLine, with its line number
        tail.commit()           # the line is handled: persist the offset past it
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from adapters.dayfile import BadLine, IntentRecord, parse_intent_line
from engine.service import TradingEngine

OFFSET_SCHEMA = "tape.intent-tail/1"
READ_CHUNK = 1 << 16


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves either the old or the new file.

    Writes a temporary file beside it, fsyncs it, renames it over ``path`` and fsyncs the folder
    (so the rename itself survives a power cut).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    fsync_folder(path.parent)


def fsync_folder(folder: Path) -> None:
    """Make a folder's entries (a new or renamed file) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class TailPosition:
    """Where reading resumes: the byte offset past the last handled line, and its number."""

    offset: int = 0
    line_no: int = 0
    device: int | None = None
    inode: int | None = None


class OffsetFileError(ValueError):
    """The offset file exists but cannot be read; the message says which file and why."""


def load_position(offset_path: Path) -> TailPosition:
    """The persisted position, or the start of the file if there is none yet."""
    if not offset_path.is_file():
        return TailPosition()
    try:
        data = json.loads(offset_path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise OffsetFileError(f"{offset_path}: unreadable offset file ({error})") from None
    if not isinstance(data, dict) or data.get("schema") != OFFSET_SCHEMA:
        raise OffsetFileError(f"{offset_path}: not a {OFFSET_SCHEMA} offset file")
    try:
        return TailPosition(
            offset=int(data["offset"]),
            line_no=int(data["line_no"]),
            device=None if data.get("device") is None else int(data["device"]),
            inode=None if data.get("inode") is None else int(data["inode"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise OffsetFileError(f"{offset_path}: unreadable offset file ({error})") from None


def save_position(offset_path: Path, position: TailPosition) -> None:
    """Persist a position atomically."""
    record = {
        "schema": OFFSET_SCHEMA,
        "offset": position.offset,
        "line_no": position.line_no,
        "device": position.device,
        "inode": position.inode,
    }
    write_atomically(offset_path, (json.dumps(record, sort_keys=True) + "\n").encode())


class IntentTail:
    """Reads the whole lines of an intent file from where the last run stopped.

    ``records`` yields one ``IntentRecord`` or ``BadLine`` per non-blank line, numbered from the
    start of the file (also across restarts). ``commit`` persists the offset past the record
    last yielded; records yielded but never committed are read again by the next run.
    A file that is replaced (another inode) or cut shorter than the offset is read again from
    its first line, with a report.
    """

    def __init__(
        self,
        path: Path,
        offset_path: Path,
        *,
        poll_interval: float = 0.2,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.offset_path = offset_path
        self.poll_interval = poll_interval
        self._report = report
        self._committed = load_position(offset_path)
        self._handled = self._committed

    @property
    def position(self) -> TailPosition:
        """The position last committed (where the next run resumes)."""
        return self._committed

    def commit(self) -> None:
        """Persist that every record yielded so far has been handled."""
        if self._handled != self._committed:
            save_position(self.offset_path, self._handled)
            self._committed = self._handled

    def records(
        self, *, stop: threading.Event | None = None, follow: bool = True
    ) -> Iterator[IntentRecord | BadLine]:
        """The records after the committed position. With ``follow``, wait for more lines until
        ``stop`` is set; without, return after the whole lines present now."""
        stop = stop or threading.Event()
        position = self._checked(self._committed)
        self._handled = position
        while not stop.is_set():
            read_any = False
            for line_no, text, end in self._whole_lines(position):
                read_any = True
                position = TailPosition(end, line_no, position.device, position.inode)
                self._handled = position
                if text.strip():
                    yield parse_intent_line(line_no, text.strip())
                if stop.is_set():
                    return
            if not follow:
                return
            if not read_any:
                checked = self._checked(position)
                if checked != position:
                    position = self._handled = checked
                    continue
                stop.wait(self.poll_interval)

    # -- helpers ----------------------------------------------------------------------------

    def _checked(self, position: TailPosition) -> TailPosition:
        """The position, bound to the file now at ``path``: a new file restarts at line 0."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return position
        identity = (info.st_dev, info.st_ino)
        if position.inode is None and info.st_size >= position.offset:
            return TailPosition(position.offset, position.line_no, *identity)
        if (position.device, position.inode) == identity and info.st_size >= position.offset:
            return position
        if self._report is not None:
            self._report(f"{self.path}: the file was replaced or truncated; reading it from line 1")
        return TailPosition(0, 0, *identity)

    def _whole_lines(self, position: TailPosition) -> Iterator[tuple[int, str, int]]:
        """(line number, text, offset past its newline) of each whole line after ``position``;
        a last line without its newline is not read."""
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return
        with handle:
            handle.seek(position.offset)
            offset, line_no, rest = position.offset, position.line_no, b""
            while chunk := handle.read(READ_CHUNK):
                data, begin = rest + chunk, 0
                while (newline := data.find(b"\n", begin)) >= 0:
                    raw = data[begin : newline + 1]
                    begin = newline + 1
                    offset += len(raw)
                    line_no += 1
                    yield line_no, raw.decode("utf-8", errors="replace"), offset
                rest = data[begin:]


def default_offset_path(home: Path, intent_file: Path) -> Path:
    """Where ``tape ingest --follow FILE`` keeps its offset: one file per followed path."""
    digest = hashlib.sha256(str(intent_file.resolve()).encode()).hexdigest()[:12]
    return home / "tail" / f"{intent_file.name}.{digest}.offset.json"


def ingest_following(
    engine: TradingEngine,
    tail: IntentTail,
    *,
    feed: str,
    stop: threading.Event,
    report: Callable[[str], None],
    decide: bool = True,
    follow: bool = True,
) -> Counter[str]:
    """Feed every record of a followed intent file to the engine until ``stop`` is set.
    ``decide`` False: only record (an ingest log that scale-out workers decide from);
    ``follow`` False: return after the whole lines present now (a loop with other work).

    Each line is committed once the engine has recorded it (``IntentReceived``, or the
    redelivery, or ``Feed.InputDenied`` for a bad line) and decided it. A crash before the
    commit reads the line again: the engine records the redelivery and decides the intent if the
    first decision did not happen, never trading it twice. A failure while deciding is reported
    and leaves the intent received (the engine's recovery decides it at the next start).
    """
    receipts: Counter[str] = Counter()
    for record in tail.records(stop=stop, follow=follow):
        if isinstance(record, BadLine):
            report(record.message(feed))
            engine.reject_input(
                feed=feed, line_no=record.line_no, reason=record.reason, digest=record.digest
            )
            receipts["invalid"] += 1
        else:
            receipt = engine.receive(record.intent, feed=feed, line_no=record.line_no)
            receipts[receipt.status] += 1
            if not decide:
                tail.commit()
                continue
            try:
                for intent_id in receipt.to_decide:  # a signal: each follower's intent
                    for order_id in engine.decide_pending(intent_id):
                        engine.execute(order_id)
            except Exception as error:  # recorded already; recovery decides it
                report(f"{feed}:{record.line_no}: deciding failed: {type(error).__name__}: {error}")
        tail.commit()
    return receipts
