"""The ``harness`` fixture: every contract test runs once per venue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.venue_contract.harnesses import VENUES, open_harness


@pytest.fixture(params=VENUES)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A venue's real adapter on its fake server, stopped after the test."""
    opened = open_harness(request.param, tmp_path)
    yield opened
    close = getattr(opened, "close", None)
    if close is not None:
        close()
