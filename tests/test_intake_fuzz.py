"""Hostile intents over HTTP (``tape serve``'s ``/intents``) and in intent files (``tape ingest``):
never a 5xx, never an exception; a file is read to its end, every good intent in it is decided,
and a rerun resumes after what was taken in."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.bounded_json import InputBoundsError, loads_bounded
from engine.ids import intent_uuid
from engine.intents import Intent
from tests.cli_rig import run_cli
from tests.conftest import AGENT, TRADER, EngineRig, a_book, an_intent
from tests.test_hostile_input import HOSTILE_VALUES, INTENT_PATHS, mutated
from tests.test_http_ingest import AUTH, api, rig  # noqa: F401 - fixtures
from tests.waiting import wait_until

FIELDS = [
    path[1:] for path in INTENT_PATHS if path[0] == "intent"
]  # the intent's own fields, without the day line's
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@st.composite
def hostile_item(draw: st.DrawFn) -> Any:
    """An intent with one field set to a hostile value, or any JSON value at all."""
    if draw(st.booleans()):
        intent = an_intent(intent_id=f"fuzz-{draw(st.integers(0, 10**6))}")
        return mutated(intent, draw(st.sampled_from(FIELDS)), draw(st.sampled_from(HOSTILE_VALUES)))
    return draw(JSON)


def encoded(body: Any) -> bytes:
    # A lone surrogate goes on the wire as JSON's \\ud800 escape (valid UTF-8 bytes).
    return json.dumps(body).encode("utf-8")


def within_bounds(body: bytes) -> bool:
    # A body outside the input bounds (a lone surrogate, a 5,000-digit integer, NaN, deep
    # nesting) is refused as a whole, a 400 (tests/test_intake_guard.py); the engine side of
    # such values is tested with intent files below.
    try:
        loads_bounded(body)
    except (ValueError, InputBoundsError):
        return False
    return True


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(
        st.lists(hostile_item(), min_size=1, max_size=5).map(encoded),
        hostile_item().map(encoded),
        st.binary(max_size=200),
    )
)
def test_hostile_intents_over_http_never_get_a_server_error(
    rig: EngineRig,  # noqa: F811
    api: str,  # noqa: F811
    body: bytes,
) -> None:
    answer = requests.post(
        f"{api}/intents",
        data=body,
        headers={"Content-Type": "application/json", **AUTH},
        timeout=30,
    )
    assert answer.status_code < 500, answer.text
    answer.json()  # every answer is JSON


def test_after_hostile_intents_a_good_one_is_still_received_and_decided(
    rig: EngineRig,  # noqa: F811
    api: str,  # noqa: F811
) -> None:
    rig.show_book(a_book())
    junk = [
        mutated(an_intent(intent_id=f"junk-{n}"), path, value)
        for n, (path, value) in enumerate(zip(FIELDS * 3, HOSTILE_VALUES, strict=False))
        if within_bounds(encoded(value))
    ]
    good = an_intent(intent_id="good-after-junk")
    answer = requests.post(
        f"{api}/intents",
        data=encoded([*junk, good]),
        headers={"Content-Type": "application/json", **AUTH},
        timeout=30,
    )
    assert answer.status_code < 500, answer.text
    receipts = answer.json()
    assert receipts[-1]["status"] == "received"

    def decided() -> bool:
        record: Intent | None = rig.engine.unit.get_or_none(intent_uuid("good-after-junk"))
        return record is not None and record.decided

    wait_until(decided)


CONFIG = f"""
[agents.{AGENT}]
follow = ["{TRADER}"]
sizing = {{ mode = "PERCENTAGE", value = "10" }}
"""


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(junk=st.lists(hostile_item(), min_size=1, max_size=8), raw=st.text(max_size=60))
def test_an_intent_file_of_hostile_lines_is_read_to_its_end_and_resumed(
    junk: list[Any],
    raw: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Its own folder per example: hypothesis may try one example twice (a replay, a shrink).
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=tmp_path))
    monkeypatch.setenv("TAPE_HOME", str(folder / "home"))
    for name in [k for k in os.environ if k.startswith(("POLYMARKET_", "KALSHI_", "LIMITLESS_"))]:
        monkeypatch.delenv(name)
    config = folder / "tape.toml"
    config.write_text(CONFIG, encoding="utf-8")
    lines = [json.dumps(item) for item in junk]
    lines.insert(len(lines) // 2, raw.replace("\n", " ").replace("\r", " "))
    goods = [f"good-{n}" for n in range(3)]
    for n, intent_id in enumerate(goods):
        lines.insert(n * 3, json.dumps(an_intent(intent_id=intent_id)))
    path = folder / "intents.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")

    code, out, err = run_cli(capsys, "ingest", str(path), "--config", str(config))
    assert code == 0, err
    assert "Traceback" not in err
    code, out, err = run_cli(capsys, "intents", "--json")
    assert code == 0, err
    verdicts = {row["intent_id"]: row["verdict"] for row in json.loads(out)}
    assert all(verdicts.get(g) not in (None, "RECEIVED") for g in goods), verdicts

    code, out, err = run_cli(capsys, "ingest", str(path), "--config", str(config))
    assert code == 0, err
    assert re.search(r": already taken in \d+$", out.strip()), out  # nothing taken in twice
