"""One writer per SQLite store: a second writer is refused at once, naming the holder."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.store_lock import StoreBusyError, WriterLock

REPO = Path(__file__).resolve().parents[1]
HOLDER = """
import sys
from pathlib import Path
from adapters.store_lock import WriterLock
lock = WriterLock.acquire(Path(sys.argv[1]), holder="tape run --day mon.jsonl")
print("held", flush=True)
sys.stdin.read()
"""


def hold_in_another_process(home: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_writer_is_refused_with_a_line_naming_the_holder(tmp_path: Path) -> None:
    holder = hold_in_another_process(tmp_path)
    try:
        with pytest.raises(StoreBusyError) as refused:
            WriterLock.acquire(tmp_path, holder="tape serve")
        assert f"pid {holder.pid} (tape run --day mon.jsonl)" in str(refused.value)
        assert "\n" not in str(refused.value)
    finally:
        holder.kill()
        holder.wait()


def test_the_lock_is_free_the_moment_its_holder_is_killed(tmp_path: Path) -> None:
    holder = hold_in_another_process(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    lock = WriterLock.acquire(tmp_path, holder="tape run")
    lock.release()


def test_a_released_lock_can_be_taken_again_and_names_no_one(tmp_path: Path) -> None:
    WriterLock.acquire(tmp_path, holder="first").release()
    lock = WriterLock.acquire(tmp_path, holder="second")
    assert "second" in lock.path.read_text()
    lock.release()
    assert lock.path.read_text() == ""
