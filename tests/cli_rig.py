"""``tape`` run in the test's own process (fast), its exit code and output captured."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run one command; returns (exit code, stdout, stderr)."""
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as done:
        code = int(done.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli_json(run: Callable[..., tuple[int, str, str]], *args: str) -> Any:
    """A command's ``--json`` output (it must succeed)."""
    code, out, err = run(*args, "--json")
    assert code == 0, err
    return json.loads(out)
