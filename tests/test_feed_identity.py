"""Files known by content, not name: ``mon/day.jsonl`` then ``tue/day.jsonl`` are two feeds
(Tuesday is taken in), the same file is still resumed, and likewise for ``tape ingest``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from adapters.feed_identity import feed_of
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from tests.test_cli import tape


def test_a_feed_is_the_same_for_the_same_file_and_differs_by_place_or_first_record(
    tmp_path: Path,
) -> None:
    (tmp_path / "mon").mkdir()
    (tmp_path / "tue").mkdir()
    mon, tue = tmp_path / "mon" / "day.jsonl", tmp_path / "tue" / "day.jsonl"
    mon.write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-8")
    tue.write_text('{"a": 1}\n{"b": 2}\n', encoding="utf-8")
    first = feed_of(mon)

    assert first.startswith("day.jsonl@")
    assert feed_of(mon) == first
    with mon.open("a", encoding="utf-8") as handle:  # a growing file is the same feed
        handle.write('{"c": 3}\n')
    assert feed_of(mon) == first
    assert feed_of(tue) != first  # another place
    mon.write_text('\n{"a": 2}\n', encoding="utf-8")  # another day written over the same path
    assert feed_of(mon) != first


def two_days(tmp_path: Path) -> tuple[Path, Path, Path]:
    for name, seed in (("mon", 1), ("tue", 2)):
        (tmp_path / name).mkdir()
        write_day(tmp_path / name / "day.jsonl", seed, intents=10)
    config = tmp_path / "tape.toml"
    config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
    return tmp_path / "mon" / "day.jsonl", tmp_path / "tue" / "day.jsonl", config


def intents_taken_in(output: str) -> int:
    found = re.search(r"records +\d+ books, (\d+) intents", output)
    assert found is not None, output
    return int(found.group(1))


def test_a_second_day_file_of_the_same_name_is_taken_in_and_each_is_resumed(
    tmp_path: Path,
) -> None:
    mon, tue, config = two_days(tmp_path)
    home = tmp_path / "h"

    def run(day: Path) -> str:
        result = tape("run", "--day", str(day), "--config", str(config), home=home)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert intents_taken_in(run(mon)) > 0
    tuesday = run(tue)
    assert "already taken in" not in tuesday
    assert intents_taken_in(tuesday) > 0
    again = run(tue)
    assert "already taken in" in again
    assert intents_taken_in(again) == 0
    assert intents_taken_in(run(mon)) == 0


def intent_file(day: Path) -> Path:
    """The intents of a day file as a tape.intent/1 file beside it."""
    lines = []
    for raw in day.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("type") == "intent":
            lines.append(json.dumps(record["intent"]))
    path = day.with_name("intents.jsonl")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_takes_in_a_second_intent_file_of_the_same_name_and_resumes_each(
    tmp_path: Path,
) -> None:
    mon_day, tue_day, config = two_days(tmp_path)
    mon, tue = intent_file(mon_day), intent_file(tue_day)
    home = tmp_path / "h"

    def ingest(path: Path) -> str:
        result = tape("ingest", str(path), "--config", str(config), home=home)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "received" in ingest(mon)
    tuesday = ingest(tue)
    assert "received" in tuesday
    assert "already taken in" not in tuesday
    again = ingest(tue)
    assert "already taken in" in again
    assert "received" not in again
