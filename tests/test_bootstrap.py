"""The composition root: every surface gets its engine from adapters/bootstrap.py."""

from __future__ import annotations

import re
from pathlib import Path

from adapters import bootstrap
from adapters.bootstrap import build, day_clock, ingest_log, open_app, open_named_app
from adapters.config_file import config_from_toml
from adapters.replay.verify import Replayer
from adapters.settings import Settings
from engine.application import TapeApplication

REPO = Path(__file__).resolve().parent.parent
CONSTRUCTED = re.compile(r"\bTradingEngine\(")
CONFIG = config_from_toml({"agents": {"alpha": {"venues": ["polymarket"]}}}, source="test")


def test_only_the_bootstrap_constructs_a_trading_engine() -> None:
    builders = []
    for folder in ("adapters", "cli", "engine", "projections", "bench"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if CONSTRUCTED.search(path.read_text(encoding="utf-8")):
                builders.append(path.relative_to(REPO).as_posix())
    assert builders == ["adapters/bootstrap.py"]


def test_the_bootstrap_wires_from_the_settings_alone(tmp_path: Path) -> None:
    settings = Settings.load({"TAPE_HOME": str(tmp_path / "home")})
    tape = build(settings, CONFIG, clock=day_clock())
    assert tape.storage.location == str(tmp_path / "home" / "tape.db")
    assert tape.paper is not None
    assert tape.live == set()
    assert tape.venue_note.startswith("in-process paper venue")
    tape.app.close()
    app, storage = open_app(settings)
    assert storage == tape.storage
    app.close()


def test_a_paper_venue_process_and_paper_only_come_from_the_settings(tmp_path: Path) -> None:
    settings = Settings.load(
        {
            "TAPE_HOME": str(tmp_path),
            "TAPE_PAPER_URL": "http://127.0.0.1:9",
            "TAPE_PAPER_ONLY": "1",
            "POLYMARKET_PRIVATE_KEY": "0x" + "1" * 64,
        }
    )
    tape = build(settings, CONFIG, clock=day_clock())
    assert tape.paper is None
    assert tape.live == set()
    assert tape.venue_note.startswith("paper venue process at http://127.0.0.1:9")
    tape.app.close()


def test_replay_ingest_and_counterfactual_engines_come_from_the_bootstrap(
    tmp_path: Path,
) -> None:
    settings = Settings.load({"TAPE_HOME": str(tmp_path)})
    recorded = open_named_app(TapeApplication.name, settings.storage(), create=True)
    replayer = Replayer(recorded)
    assert replayer.engine.app is replayer.app
    assert replayer.engine.market_data is replayer.books  # the books the verdicts recorded
    replayer.run()
    log = ingest_log(recorded, day_clock())
    assert log.recorder.app is recorded
    engine, paper = bootstrap.counterfactual_engine(CONFIG, day_clock())
    assert engine.venues is paper
    recorded.close()
