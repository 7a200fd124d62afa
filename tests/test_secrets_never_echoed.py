"""A secret pasted into the wrong variable is never echoed: for every variable the Settings and
the venue factories read, a secret-looking value in it appears neither in stdout, nor in
stderr, nor in the store; an error about it names the variable only."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.settings import (
    BATCH_ENV,
    DATABASE_SCHEMA_ENV,
    DATABASE_URL_ENV,
    DEBUG_ENV,
    MAX_ITEMS_ENV,
    PAPER_ONLY_ENV,
    PAPER_URL_ENV,
    TOKEN_ENV,
    WORKERS_ENV,
)
from adapters.venues.registry import venue_specs
from tests.cli_rig import run_cli

KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
CLOSED = "http://127.0.0.1:9"  # nothing listens: no call leaves the machine
SETTINGS_VARIABLES = [
    DATABASE_URL_ENV, DATABASE_SCHEMA_ENV, PAPER_URL_ENV, PAPER_ONLY_ENV, TOKEN_ENV, WORKERS_ENV,
    BATCH_ENV, DEBUG_ENV, MAX_ITEMS_ENV, "TAPE_CONFIG", "POLYMARKET_DATA_URL",
    "TAPE_MAX_TIME_GAP_S",
]  # fmt: skip
POLYMARKET_VARIABLES = [  # read by adapters/polymarket/config.py beyond the registry's list
    "POLYMARKET_CHAIN_ID", "POLYMARKET_TIMEOUT_S", "POLYMARKET_COLLATERAL_ADDRESS",
    "POLYMARKET_CONDITIONAL_TOKENS_ADDRESS", "POLYMARKET_DATA_URL",
]  # fmt: skip
VENUE_VARIABLES = sorted(
    {c.variable for spec in venue_specs() for c in spec.credentials} | set(POLYMARKET_VARIABLES)
)
VARIABLES = sorted(set(SETTINGS_VARIABLES) | set(VENUE_VARIABLES))
DAY = (
    '{"type": "book", "at": "2026-01-30T14:00:05Z", "venue": "polymarket", "token_id": "1", '
    '"market_id": "0xd4", "bids": [["0.13", "100"]], "asks": [["0.14", "100"]], '
    '"tick_size": "0.01", "min_size": "5"}\n'
)
HEX = "0123456789abcdef"
SECRETS = st.one_of(
    st.text(HEX, min_size=64, max_size=64).map(lambda key: "0x" + key),
    st.text(HEX, min_size=64, max_size=64),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-", min_size=24),
)


def test_the_variables_cover_the_polymarket_configuration() -> None:
    source = (Path(__file__).parents[1] / "adapters/polymarket/config.py").read_text()
    assert set(VARIABLES) >= {"POLYMARKET_FUNDER", "POLYMARKET_SIGNATURE_TYPE", "KALSHI_API_URL"}
    for name in ("POLYMARKET_CLOB_URL", "POLYMARKET_TIMEOUT_S", "POLYMARKET_CHAIN_ID"):
        assert name in source
        assert name in VARIABLES


@given(variable=st.sampled_from(VARIABLES), secret=SECRETS)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_a_secret_in_any_variable_never_reaches_the_output_or_the_store(
    capsys: pytest.CaptureFixture[str], variable: str, secret: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        home, day, config = Path(folder) / "home", Path(folder) / "day.jsonl", Path(folder) / "t"
        day.write_text(DAY, encoding="utf-8")
        config.write_text(DEMO_CONFIG_TOML, encoding="utf-8")
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("TAPE_", "POLYMARKET_", "KALSHI_", "LIMITLESS_", "POLYGON_"))
        }
        env.update({"TAPE_HOME": str(home), "POLYMARKET_PRIVATE_KEY": KEY})
        for name in ("POLYMARKET_CLOB_URL", "POLYMARKET_GAMMA_URL", "POLYGON_RPC_URL"):
            env[name] = CLOSED
        env["POLYMARKET_DATA_URL"] = CLOSED
        env[variable] = secret
        with mock.patch.dict(os.environ, env, clear=True):
            code, out, err = run_cli(capsys, "run", "--day", str(day), "--config", str(config))
        stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    shown = out + err
    for text in {secret, secret.removeprefix("0x"), KEY, KEY.removeprefix("0x")}:
        assert text not in shown, (variable, shown)
        assert text.encode() not in stored, variable
    if code != 0:
        assert err.count("\n") == 1, err  # one line
        assert re.search(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", err), err  # names a variable
