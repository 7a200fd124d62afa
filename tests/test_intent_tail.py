"""Tailing an intent file (``tape ingest --follow``): whole lines only, resumed, never re-read."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.dayfile import BadLine, IntentRecord
from adapters.intent_tail import IntentTail, ingest_following, load_position
from tests.conftest import EngineRig, an_intent, make_rig, stored_events

REPO = Path(__file__).resolve().parent.parent
TAPE = [sys.executable, "-m", "cli.main"]


def line(n: int) -> str:
    """The JSONL line of intent number n."""
    return json.dumps(an_intent(intent_id=f"copy:0xaa:{n}:BUY")) + "\n"


def append(path: Path, text: str) -> None:
    """Append text to a file as a writer would (no newline added)."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def take(tail: IntentTail, *, commit: bool = True) -> list[IntentRecord | BadLine]:
    """Every record present now, committing each after it is handled."""
    records = []
    for record in tail.records(follow=False):
        records.append(record)
        if commit:
            tail.commit()
    return records


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[EngineRig]:
    """An engine on a SQLite file in tmp_path."""
    built = make_rig(tmp_path / "tape.db")
    yield built
    built.app.close()


def test_records_carry_their_line_numbers_and_a_partial_last_line_waits(tmp_path: Path) -> None:
    path, offsets = tmp_path / "intents.jsonl", tmp_path / "offset.json"
    path.write_text(line(1) + "\n" + "{not json\n" + line(2)[:40], encoding="utf-8")
    tail = IntentTail(path, offsets)
    first = take(tail)
    assert [type(r).__name__ for r in first] == ["IntentRecord", "BadLine"]
    assert [r.line_no for r in first] == [1, 3]  # the blank line 2 is counted, not yielded
    assert isinstance(first[1], BadLine)
    assert first[1].reason.startswith("not JSON")
    append(path, line(2)[40:] + line(3))  # the writer finishes the line
    rest = take(tail)
    assert [(r.line_no, r.intent.intent_id) for r in rest if isinstance(r, IntentRecord)] == [
        (4, "copy:0xaa:2:BUY"),
        (5, "copy:0xaa:3:BUY"),
    ]
    assert load_position(offsets).offset == path.stat().st_size
    assert load_position(offsets).line_no == 5
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_new_reader_resumes_after_the_last_committed_line_and_never_rereads_it(
    tmp_path: Path,
) -> None:
    path, offsets = tmp_path / "intents.jsonl", tmp_path / "offset.json"
    path.write_text(line(1) + line(2) + line(3), encoding="utf-8")
    tail = IntentTail(path, offsets)
    records = tail.records(follow=False)
    next(records)
    tail.commit()  # line 1 handled
    next(records)  # line 2 read, not committed: a crash here
    records.close()

    again = take(IntentTail(path, offsets))
    assert [r.line_no for r in again] == [2, 3]  # line 2 again, line 1 never
    append(path, line(4))
    assert [r.line_no for r in take(IntentTail(path, offsets))] == [4]
    assert take(IntentTail(path, offsets)) == []


def test_a_replaced_or_truncated_file_is_read_from_its_first_line(tmp_path: Path) -> None:
    path, offsets = tmp_path / "intents.jsonl", tmp_path / "offset.json"
    path.write_text(line(1) + line(2), encoding="utf-8")
    take(IntentTail(path, offsets))
    path.unlink()
    path.write_text(line(7), encoding="utf-8")  # a new file (another inode), shorter
    reports: list[str] = []
    records = take(IntentTail(path, offsets, report=reports.append))
    assert [(r.line_no, r.intent.intent_id) for r in records if isinstance(r, IntentRecord)] == [
        (1, "copy:0xaa:7:BUY")
    ]
    assert reports == [f"{path}: the file was replaced or truncated; reading it from line 1"]


def test_following_yields_lines_as_they_are_appended_until_stopped(tmp_path: Path) -> None:
    path, offsets = tmp_path / "intents.jsonl", tmp_path / "offset.json"
    stop = threading.Event()
    tail = IntentTail(path, offsets, poll_interval=0.01)
    seen: list[int] = []

    def reader() -> None:
        for record in tail.records(stop=stop):
            seen.append(record.line_no)
            tail.commit()

    thread = threading.Thread(target=reader)
    thread.start()
    for n in range(1, 4):  # the file does not exist yet when the reader starts
        append(path, line(n)[:25])
        time.sleep(0.03)
        append(path, line(n)[25:])
    deadline = time.monotonic() + 5
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    thread.join(timeout=5)
    assert seen == [1, 2, 3]
    assert load_position(offsets).line_no == 3


def test_redelivery_after_a_crash_is_recorded_and_not_traded_twice(
    rig: EngineRig, tmp_path: Path
) -> None:
    path, offsets = tmp_path / "intents.jsonl", tmp_path / "offset.json"
    path.write_text(line(1) + "[]\n" + line(2), encoding="utf-8")
    stop = threading.Event()
    reports: list[str] = []

    class Crash(Exception):
        pass

    crashing = IntentTail(path, offsets)
    commits = 0

    def commit_then_crash() -> None:
        nonlocal commits
        commits += 1
        if commits == 3:  # line 2 recorded and decided, its offset not yet saved
            raise Crash
        IntentTail.commit(crashing)

    crashing.commit = commit_then_crash  # type: ignore[method-assign]
    with pytest.raises(Crash):
        ingest_following(
            rig.engine, crashing, feed="intents.jsonl", stop=stop, report=reports.append
        )
    stop_after = threading.Timer(0.3, stop.set)
    stop_after.start()
    receipts = ingest_following(
        rig.engine, IntentTail(path, offsets, poll_interval=0.01), feed="intents.jsonl",
        stop=stop, report=reports.append,
    )  # fmt: skip
    assert receipts == {"duplicate": 1}
    assert reports == ["intents.jsonl:2: skipped: a record must be a JSON object"]
    names = [type(e).__name__ for e in stored_events(rig.app)]
    assert names.count("IntentReceived") == 2
    assert names.count("IntentRedelivered") == 1
    assert names.count("InputDenied") == 1
    assert names.count("IntentAccepted") + names.count("IntentDenied") == 2


def received(db: Path) -> list[str]:
    """The topics of the intake events a store holds, in log order."""
    if not db.exists():
        return []
    with sqlite3.connect(db, timeout=5) as conn:
        try:
            rows = conn.execute("SELECT topic FROM stored_events ORDER BY rowid").fetchall()
        except sqlite3.OperationalError:
            return []
    return [r[0].rsplit(".", 1)[-1] for r in rows if "Intent" in r[0] or "InputDenied" in r[0]]


def wait_for(predicate: Any, timeout: float = 30.0) -> None:
    """Poll until the predicate holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_ingest_follow_tails_the_file_and_resumes_where_it_stopped(tmp_path: Path) -> None:
    home, path = tmp_path / "home", tmp_path / "intents.jsonl"
    db = home / "tape.db"
    path.write_text(line(1) + line(2), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "FOLLOW_"))}
    env.update({"TAPE_HOME": str(home), "PYTHONPATH": str(REPO)})

    def follow() -> subprocess.Popen[str]:
        return subprocess.Popen(
            [*TAPE, "ingest", "--follow", str(path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    first = follow()
    wait_for(lambda: received(db).count("IntentReceived") == 2)
    append(path, line(3) + line(4)[:30])  # a line being written when it stops
    wait_for(lambda: received(db).count("IntentReceived") == 3)
    first.send_signal(signal.SIGTERM)
    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert out.strip() == f"ingested {path} (followed, stopped): received 3", out

    append(path, line(4)[30:] + "oops\n")
    second = follow()
    wait_for(lambda: received(db).count("IntentReceived") == 4)
    wait_for(lambda: "InputDenied" in received(db))
    second.send_signal(signal.SIGTERM)
    out, err = second.communicate(timeout=30)
    assert second.returncode == 0, err
    assert "following" in err
    assert "from line 4" in err
    assert f"{path.name}:5: skipped: not JSON" in err
    assert "IntentRedelivered" not in received(db)  # no handled line was read twice
