"""Numbers print as people write them: never an exponent (``2E+1``), percentages to two
decimals (never ``49.99122960884055428872127697%``), on every surface a person reads."""

from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from adapters.settings import Settings
from cli.main import cli
from cli.render import number, percent, readable, table
from tests.api_rig import run_demo

TWO_DECIMALS = re.compile(r"^-?\d+\.\d{2}%$")
PERCENTAGES = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?%")
decimals = st.decimals(allow_nan=False, allow_infinity=False)


@given(decimals)
def test_a_number_is_never_shown_with_an_exponent_and_keeps_its_value(value: Decimal) -> None:
    shown = number(value)
    assert "E" not in shown.upper()
    assert Decimal(shown) == value


@given(decimals)
def test_a_percentage_has_two_decimals_and_no_exponent(value: Decimal) -> None:
    shown = percent(value)
    assert "E" not in shown.upper()
    assert TWO_DECIMALS.match(shown), shown
    assert abs(Decimal(shown[:-1]) - value) <= Decimal("0.005")


@given(decimals, decimals)
def test_recorded_texts_read_with_plain_numbers_and_two_decimal_percentages(
    share: Decimal, size: Decimal
) -> None:
    text = readable(f"sell {share}% of what was bought; FIXED {size} USDC at {size:E}")
    assert "E+" not in text
    assert "E-" not in text
    for found in PERCENTAGES.findall(text):
        assert TWO_DECIMALS.match(found), found


def test_the_issue_s_examples() -> None:
    assert readable("sell 49.99122960884055428872127697% of x") == "sell 49.99% of x"
    assert (
        readable("FIXED 2E+1 USDC at the source price 0.5")
        == "FIXED 20 USDC at the source price 0.5"
    )
    assert table([{"size": Decimal("2E+1"), "rule": "2E+1"}], ["size", "rule"]).splitlines()[1] == (
        "20    20"
    )
    # identifiers are left alone: hex and long token ids are no numbers to rewrite
    for ids in ("copy:0x5e10ab:71321045679252212594626385532706912750:BUY@a", "KXRAIN-1E5:yes"):
        assert readable(ids) == ids


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the sample day."""
    home = tmp_path_factory.mktemp("demo")
    run_demo(home)
    return home


def test_why_of_a_proportional_sell_prints_its_share_to_two_decimals(demo_home: Path) -> None:
    with sqlite3.connect(demo_home / "tape.db") as conn:
        states = [
            bytes(row[0]).decode()
            for row in conn.execute(
                "SELECT state FROM stored_events WHERE topic LIKE '%IntentAccepted'"
            )
        ]
    sells = [s for s in states if '"rule":"sell ' in s and "%" in s]
    assert sells
    long_share = next(s for s in sells if re.search(r'"rule":"sell \d+\.\d{3,}%', s))
    assert long_share  # the sample day has a share that is not a round number
    runner = CliRunner()
    settings = Settings.load({"TAPE_HOME": str(demo_home)})
    listed = runner.invoke(cli, ["intents", "--json"], obj=settings)
    assert listed.exit_code == 0
    shown_any = False
    sold = [
        r for r in json.loads(listed.output) if r["verdict"] == "ACCEPTED" and r["side"] == "SELL"
    ]
    for row in sold[:12]:
        out = runner.invoke(cli, ["why", row["intent_id"]], obj=settings).output
        assert "E+" not in out
        for found in PERCENTAGES.findall(out):
            assert TWO_DECIMALS.match(found), (found, out)
        shown_any = shown_any or "sizing: sell " in out
    assert shown_any


APP_JS = Path(__file__).resolve().parent.parent / "adapters" / "api" / "static" / "app.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_the_dashboard_rewrites_recorded_texts_as_the_command_line_does() -> None:
    script = APP_JS.read_text(encoding="utf-8")
    functions = script[script.index("function plainNumber") : script.index("function short(")]
    samples = [
        "sell 49.99122960884055428872127697% of what was bought copying the trader",
        "FIXED 2E+1 USDC at the source price 0.52",
        "average price 0.5230663893222395562489166233 vs source 0.52: 0.5897% (limit 3%)",
        "1.5E-3 and -2.50E+2 and 7E+0",
        "copy:0x5e10ab:7132:BUY@a -0.001% 100%",
        "12345678.125% of 0E-8",
    ]
    rng = random.Random(7)
    for _ in range(40):  # and many more shares and sizes, with exponents or without
        value = Decimal(rng.randrange(-(10**9), 10**9)).scaleb(rng.randrange(-12, 4))
        samples.append(f"sell {value}% and {value:E} USDC, {value:f}%")
    program = functions + f"\nfor (const t of {json.dumps(samples)}) console.log(readable(t));\n"
    shown = subprocess.run(
        ["node", "-e", program], capture_output=True, text=True, check=True, timeout=30
    ).stdout.splitlines()
    assert shown == [readable(t) for t in samples]
