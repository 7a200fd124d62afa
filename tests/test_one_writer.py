"""One writer per SQLite store, wired into ``tape run``, ``serve`` and ``ingest``; a store that
cannot be written ends the command with one line, exit 1 (never a signal)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from tests.cli_rig import run_cli
from tests.conftest import an_intent
from tests.waiting import wait_until

REPO = Path(__file__).resolve().parent.parent
TAPE = [sys.executable, "-m", "cli.main"]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A day, an intent file and the demo configuration."""
    day = tmp_path / "day.jsonl"
    write_day(day, 5, intents=10)
    intents = tmp_path / "intents.jsonl"
    intents.write_text(
        "\n".join(str(an_intent(intent_id=f"copy:0x1:{n}:BUY")).replace("'", '"') for n in range(3))
        + "\n",
        encoding="utf-8",
    )
    config = tmp_path / "tape.toml"
    config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    return day, intents, config


def env_for(home: Path, **extra: str) -> dict[str, str]:
    """A ``tape`` process's environment with its store under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "POLYMARKET_"))}
    return {**env, "TAPE_HOME": str(home), "PYTHONPATH": str(REPO), **extra}


@contextlib.contextmanager
def serving(
    home: Path, config: Path, *, limit_bytes: int = 0
) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``tape serve --insecure-local`` on ``home``, up when yielded, and its URL;
    ``limit_bytes``: no file it writes grows beyond that (a disk that fills)."""
    process = subprocess.Popen(
        [*TAPE, "serve", "--insecure-local", "--port", "0", "--config", str(config)],
        env=env_for(home),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: small_disk(limit_bytes)) if limit_bytes else None,  # noqa: PLW1509
    )
    assert process.stderr is not None
    try:
        line = process.stderr.readline()
        while "listening on" not in line:
            assert line, "tape serve exited"
            line = process.stderr.readline()
        url = line.split("listening on ", 1)[1].split()[0]
        wait_until(lambda: _answers(url), timeout=30)
        yield process, url
    finally:
        process.kill()
        process.wait(timeout=10)


def test_a_second_run_serve_or_ingest_on_a_store_in_use_is_refused_naming_the_holder(
    tmp_path: Path,
    files: tuple[Path, Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    day, intents, config = files
    home = tmp_path / "home"
    for name, value in env_for(home).items():
        monkeypatch.setenv(name, value)
    with serving(home, config) as (server, _):
        db_before = (home / "tape.db").read_bytes()
        for args in (
            ["run", "--day", str(day), "--config", str(config)],
            ["ingest", str(intents), "--config", str(config)],
            ["serve", "--insecure-local", "--port", "0", "--config", str(config)],
        ):
            code, _, err = run_cli(capsys, *args)
            assert code == 1, (args, err)
            assert err.count("\n") == 1, err
            assert f"pid {server.pid} (tape serve)" in err
            assert "one writer per store" in err
        assert (home / "tape.db").read_bytes() == db_before  # nothing written by the refused
    # Released at the end of each command: several in one process, one after the other.
    assert run_cli(capsys, "run", "--day", str(day), "--config", str(config))[0] == 0
    assert run_cli(capsys, "ingest", str(intents), "--config", str(config))[0] == 0
    assert run_cli(capsys, "run", "--day", str(day), "--config", str(config))[0] == 0


def test_a_read_only_store_ends_a_run_with_one_line_and_exit_1(
    tmp_path: Path, files: tuple[Path, Path, Path]
) -> None:
    day, _, config = files
    home = tmp_path / "home"
    first = subprocess.run(
        [*TAPE, "run", "--day", str(day), "--config", str(config)],
        env=env_for(home), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    write_day(day, 6, intents=10)  # another day: it has to write
    with read_only(home / "tape.db"):
        again = subprocess.run(
            [*TAPE, "run", "--day", str(day), "--config", str(config)],
            env=env_for(home), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert again.returncode == 1, (again.returncode, again.stderr)  # not -SIGBUS
    errors = [line for line in again.stderr.splitlines() if "skipped" not in line]
    assert len(errors) == 1, errors
    assert errors[0].startswith("tape: the store cannot be written (OperationalError: ")


def test_a_read_only_store_ends_serve_at_start_with_one_line_and_exit_1(
    tmp_path: Path, files: tuple[Path, Path, Path]
) -> None:
    day, _, config = files
    home = tmp_path / "home"
    first = subprocess.run(
        [*TAPE, "run", "--day", str(day), "--config", str(config)],
        env=env_for(home), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    with read_only(home / "tape.db"):
        served = subprocess.run(
            [*TAPE, "serve", "--insecure-local", "--port", "0", "--config", str(config)],
            env=env_for(home), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert served.returncode == 1, (served.returncode, served.stderr)
    lines = served.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("tape: the store cannot be written ("), lines


def test_a_full_disk_ends_a_run_with_one_line_and_exit_1(
    tmp_path: Path, files: tuple[Path, Path, Path]
) -> None:
    day, _, config = files
    write_day(day, 5, intents=150)
    home = tmp_path / "home"

    result = subprocess.run(
        [*TAPE, "run", "--day", str(day), "--config", str(config)],
        env=env_for(home), capture_output=True, text=True, timeout=120, check=False,
        preexec_fn=lambda: small_disk(64 * 1024),
    )  # fmt: skip
    assert result.returncode == 1, (result.returncode, result.stderr)
    errors = [line for line in result.stderr.splitlines() if "skipped" not in line]
    assert len(errors) == 1
    assert errors[0].startswith("tape: the store cannot be written (")


def small_disk(limit_bytes: int) -> None:
    """In a child process: no file it writes grows beyond ``limit_bytes`` (a full disk)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` and its folder cannot be written, even by root (immutable), for a while."""
    folder = path.parent
    for leftover in folder.glob(f"{path.name}-*"):
        leftover.unlink()
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path), str(folder)], check=True)
    else:
        path.chmod(0o444)
        folder.chmod(0o555)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path), str(folder)], check=True)
        else:
            folder.chmod(0o755)
            path.chmod(0o644)


def test_health_says_when_the_store_cannot_be_written(
    tmp_path: Path, files: tuple[Path, Path, Path]
) -> None:
    _, _, config = files
    home = tmp_path / "home"
    with serving(home, config, limit_bytes=512 * 1024) as (_, url):
        assert requests.get(f"{url}/health", timeout=5).json() == {"status": "ok"}
        answers = []
        for n in range(200):  # until the disk is full
            batch = [an_intent(intent_id=f"copy:0x2:{n}:{k}:BUY") for k in range(20)]
            answer = requests.post(f"{url}/intents", json=batch, timeout=30)
            answers.append(answer.status_code)
            if answer.status_code != 200:
                break
        assert answers[0] == 200
        assert answers[-1] == 503, answers
        assert "the store cannot be written" in answer.json()["error"]
        health = requests.get(f"{url}/health", timeout=5)
        assert health.status_code == 503
        assert health.json()["status"] == "store unwritable"
        assert "the last write failed" in health.json()["reason"]


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=1).status_code in {200, 503}
    except requests.RequestException:
        return False
