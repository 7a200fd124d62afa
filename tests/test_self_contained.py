"""The suite needs nothing outside the checkout: a fresh clone with nothing beside it passes."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REACHES_OUTSIDE = re.compile(r"\.\./shared|parents\[(?:[2-9]|\d\d)\]|\"shared\"\s*/")


def test_no_test_module_reads_outside_the_checkout() -> None:
    offenders = [
        f"{path.relative_to(TESTS)}:{number}"
        for path in sorted(TESTS.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if REACHES_OUTSIDE.search(line) and path.name != Path(__file__).name
    ]
    assert offenders == []


def test_every_real_fixture_has_its_provenance() -> None:
    real = TESTS / "fixtures" / "real"
    provenance = (real / "PROVENANCE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"[\w.*-]+\.json(?:l\.gz)?", provenance))
    data = [p.name for p in sorted(real.iterdir()) if p.name != "PROVENANCE.md"]
    assert data
    assert [n for n in data if not any(fnmatch.fnmatch(n, pattern) for pattern in named)] == []
