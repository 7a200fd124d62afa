"""The brief's variable names all work (``MAX_INTENT_SIZE`` is ``MAX_INTENT_SIZE_USDC``), and a
``COPY_*``, ``FOLLOW_*`` or ``MAX_*`` variable Tape does not read is a warning naming the close
match, never silently ignored."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.env_names import ALIASES, COPY_VARIABLES, WATCHED_PREFIXES
from adapters.settings import Settings, SettingsError
from tests.cli_rig import run_cli

TRADER = "0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3"


def settings(tmp_path: Path, **env: str) -> Settings:
    """Settings from a mapping alone (no configuration file)."""
    return Settings.load({"TAPE_HOME": str(tmp_path), "FOLLOW_TRADERS": TRADER, **env}, None)


def test_max_intent_size_is_the_size_cap_as_max_intent_size_usdc_is(tmp_path: Path) -> None:
    by_alias = settings(tmp_path, MAX_INTENT_SIZE="42.5").tape_config().agents[0]
    by_name = settings(tmp_path, MAX_INTENT_SIZE_USDC="42.5").tape_config().agents[0]
    assert by_alias.max_intent_usdc == by_name.max_intent_usdc == Decimal("42.5")
    same = settings(tmp_path, MAX_INTENT_SIZE="7", MAX_INTENT_SIZE_USDC="7")
    assert same.tape_config().agents[0].max_intent_usdc == Decimal(7)
    assert not settings(tmp_path, MAX_INTENT_SIZE="7").warnings


def test_the_alias_and_its_variable_set_apart_are_refused_without_their_values(
    tmp_path: Path,
) -> None:
    with pytest.raises(SettingsError) as refused:
        settings(tmp_path, MAX_INTENT_SIZE="7123", MAX_INTENT_SIZE_USDC="9456")
    assert "MAX_INTENT_SIZE and MAX_INTENT_SIZE_USDC" in str(refused.value)
    assert "7123" not in str(refused.value)
    assert "9456" not in str(refused.value)


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("FOLOW_TRADERS", "FOLLOW_TRADERS"),
        ("FOLLOW_TRADER", "FOLLOW_TRADERS"),
        ("MAX_SLIPAGE_PERCENT", "MAX_SLIPPAGE_PERCENT"),
        ("COPY_SIZING_STRATEGIE", "COPY_SIZING_STRATEGY"),
        ("MAX_INTENT_AGE_SECS", "MAX_INTENT_AGE_SECONDS"),
        ("COPY_SIZES", "COPY_SIZE"),
    ],
)
def test_a_misspelt_variable_is_a_warning_naming_the_close_match(
    tmp_path: Path, typo: str, meant: str
) -> None:
    assert settings(tmp_path, **{typo: "1"}).warnings == (
        f"{typo} is not a variable Tape reads, so it is ignored; did you mean {meant}?",
    )


def test_a_far_off_name_is_still_warned_about_without_a_guess(tmp_path: Path) -> None:
    assert settings(tmp_path, MAX_WIDGETS="3").warnings == (
        "MAX_WIDGETS is not a variable Tape reads, so it is ignored",
    )


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", min_size=1, max_size=24))
def test_every_watched_name_is_either_read_or_warned_about(suffix: str) -> None:
    for prefix in WATCHED_PREFIXES:
        name = prefix + suffix
        warned = Settings.load({name: "1"}, None).warnings
        known = name in COPY_VARIABLES or name in ALIASES
        assert (warned == ()) == known, name
        if not known:
            assert warned[0].startswith(f"{name} is not a variable Tape reads")


def test_the_command_line_prints_the_warning_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAPE_HOME", str(tmp_path))
    monkeypatch.setenv("MAX_SLIPAGE_PERCENT", "3")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "intents", "--json")
    assert code == 0
    assert (
        "tape: warning: MAX_SLIPAGE_PERCENT is not a variable Tape reads, so it is ignored; "
        "did you mean MAX_SLIPPAGE_PERCENT?"
    ) in err
