"""A configuration Tape cannot use is refused before anything runs: one line naming the table and
the key (never the value), exit 2, never a traceback. Fuzzed over mutated ``tape.toml`` files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.config_file import ConfigError, config_from_toml, load_config
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from tests.cli_rig import run_cli

SECRET = "0x" + "5ec7e7" * 10 + "abcd"  # a private key pasted in the wrong place

VALID_PAPER = '\n[paper]\nfee_rate = "0.01"\n'


def demo_with(line_key: str, value: str, table: str = "agents.tight-risk") -> str:
    """The demo configuration with one key of one table set to ``value`` (TOML text)."""
    lines = DEMO_CONFIG_TOML.splitlines()
    start = lines.index(f"[{table}]")
    for n in range(start + 1, len(lines)):
        if lines[n].startswith(f"{line_key} ="):
            lines[n] = f"{line_key} = {value}"
            return "\n".join(lines) + "\n"
    lines.insert(start + 1, f"{line_key} = {value}")
    return "\n".join(lines) + "\n"


REFUSED = [
    ("max_intent_usdc", '"-1"', "max_intent_usdc"),
    ("budget_usdc", '"-0.01"', "budget_usdc"),
    ("stop_loss_usdc", '"NaN"', "stop_loss_usdc"),
    ("max_position_usdc", '"Infinity"', "max_position_usdc"),
    ("max_slippage_pct", "nan", "max_slippage_pct"),
    ("max_slippage_pct", "inf", "max_slippage_pct"),
    ("max_slippage_pct", "1.5", "max_slippage_pct"),
    ("max_intent_usdc", '"1e3"', "max_intent_usdc"),
    ("max_intent_usdc", "9223372036854775807", "max_intent_usdc"),
    ("max_intent_age_s", "-5", "max_intent_age_s"),
    ("max_intent_age_s", '"60"', "max_intent_age_s"),
    ("max_intent_age_s", "true", "max_intent_age_s"),
    ("max_clock_skew_s", "-1", "max_clock_skew_s"),
    ("max_clock_skew_s", "2.5", "max_clock_skew_s"),
    ("max_trades_per_day", "nan", "max_trades_per_day"),
    ("follow", '["whale-1"]', "follow"),
    ("follow", f'["{SECRET}x"]', "follow"),
    ("sizing", '{ mode = "FIXED", value = "-10" }', "sizing"),
    ("sizing", '{ mode = "FIXED", value = "10", extra = 1 }', "sizing.extra"),
    ("sizing", '{ mode = "TIERED", tiers = [["0", "-1"]] }', "sizing.tiers"),
    ("colour", '"blue"', "colour"),
    ("stop_loss_usdc", f'"{SECRET}"', "stop_loss_usdc"),
]


@pytest.mark.parametrize(("key", "value", "named"), REFUSED)
def test_an_unusable_agent_setting_is_refused_naming_table_and_key(
    key: str, value: str, named: str, tmp_path: Path
) -> None:
    path = tmp_path / "tape.toml"
    path.write_text(demo_with(key, value), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    message = str(caught.value)
    assert "agents.tight-risk" in message
    assert named in message
    assert "\n" not in message
    assert SECRET not in message


@pytest.mark.parametrize(
    ("paper", "named"),
    [
        ('fee_rate = "NaN"', "paper.fee_rate"),
        ('fee_rate = "Infinity"', "paper.fee_rate"),
        ("fee_rate = nan", "paper.fee_rate"),
        ("fee_rate = inf", "paper.fee_rate"),
        ('fee_rate = "1"', "paper.fee_rate"),
        ('fee_rate = "-0.01"', "paper.fee_rate"),
        ("fee_rate = 0.01", "paper.fee_rate"),
        (f'fee_rate = "{SECRET}"', "paper.fee_rate"),
        ('fee_rat = "0.01"', "fee_rat"),
    ],
)
def test_a_fee_outside_zero_to_one_or_an_unknown_paper_key_is_refused(
    paper: str, named: str, tmp_path: Path
) -> None:
    path = tmp_path / "tape.toml"
    path.write_text(DEMO_CONFIG_TOML + f"\n[paper]\n{paper}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert named in str(caught.value)
    assert SECRET not in str(caught.value)


def test_valid_values_still_load() -> None:
    config = config_from_toml(
        {"agents": {"a": {"follow": ["0x" + "A" * 40]}}, "paper": {"fee_rate": "0.02"}},
        source="t",
    )
    assert config.agents[0].follow == ("0x" + "a" * 40,)
    assert str(config.paper_fee_rate) == "0.02"


# -- the command line, fuzzed --------------------------------------------------------------------

HOSTILE_TOML_VALUES = [
    "nan",
    "-nan",
    "inf",
    "-inf",
    '"NaN"',
    '"Infinity"',
    '"-1"',
    "-1",
    "0",
    '"0"',
    "1e308",
    "5e-324",
    '"1e-30"',
    '"0.' + "0" * 40 + '1"',
    '"' + "9" * 40 + '"',
    "9223372036854775807",
    "-9223372036854775808",
    "true",
    '""',
    "[]",
    "{}",
    '[["0"]]',
    '{ mode = "FIXED" }',
    '"\\ud800"',  # an escaped lone surrogate: not valid TOML
    f'"{SECRET}"',
    "1979-05-27T07:32:00Z",
    '"' + "x" * 5000 + '"',
]
KEYS = [
    "strategy",
    "venues",
    "follow",
    "markets",
    "sizing",
    "order_type",
    "max_intent_usdc",
    "max_intent_age_s",
    "max_clock_skew_s",
    "max_slippage_pct",
    "max_position_usdc",
    "max_trades_per_day",
    "stop_loss_usdc",
    "budget_usdc",
    "unknown_key",
]


@st.composite
def mutated_config(draw: st.DrawFn) -> str:
    """A valid tape.toml, then one mutation: a value, a paper value, an unknown key or table,
    a truncation, or stray characters (a raw lone surrogate among them)."""
    base = DEMO_CONFIG_TOML + VALID_PAPER
    kind = draw(st.sampled_from(["value", "paper", "table", "truncate", "insert"]))
    value = draw(st.sampled_from(HOSTILE_TOML_VALUES))
    if kind == "value":
        table = draw(
            st.sampled_from(["agents.follow-whales", "agents.tight-risk", "agents.tiered"])
        )
        text = demo_with(draw(st.sampled_from(KEYS)), value, table) + VALID_PAPER
    elif kind == "paper":
        text = (
            DEMO_CONFIG_TOML + f"\n[paper]\n{draw(st.sampled_from(['fee_rate', 'x']))} = {value}\n"
        )
    elif kind == "table":
        text = (
            base
            + f"\n[{draw(st.sampled_from(['notify', 'agents.x', 'paper.sub']))}]\nk = {value}\n"
        )
    elif kind == "truncate":
        text = base[: draw(st.integers(0, len(base)))]
    else:
        at = draw(st.integers(0, len(base)))
        stray = draw(
            st.text(alphabet=st.sampled_from(list("=[]{}\"'\\\n#.\x00\ud800é")), max_size=4)
        )
        text = base[:at] + stray + base[at:]
    return text


@pytest.fixture(scope="module")
def tiny_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("day") / "day.jsonl"
    write_day(path, 3, intents=6)
    return path


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=mutated_config())
def test_any_mutated_config_runs_or_is_refused_in_one_line_with_exit_2(
    text: str,
    tiny_day: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home = tmp_path / f"home-{abs(hash(text))}"
    monkeypatch.setenv("TAPE_HOME", str(home))
    for name in [k for k in os.environ if k.startswith(("POLYMARKET_", "KALSHI_", "LIMITLESS_"))]:
        monkeypatch.delenv(name)
    config = home.parent / f"tape-{abs(hash(text))}.toml"
    config.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, out, err = run_cli(capsys, "run", "--day", str(tiny_day), "--config", str(config))
    assert "Traceback" not in err
    assert SECRET not in out + err
    if code != 0:
        assert code == 2, err
        assert err.count("\n") == 1, err
        assert err.startswith("tape: "), err
        assert "error:" not in err  # a refusal, not an exception's name
