"""``tape health`` checks what a follower configured: a broken ``tape.toml`` or a copy agent
that follows nobody fails, a misspelt variable is a warning, and the Data API (a fake on
loopback) must answer when some agent follows a wallet."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from cli.main import cli
from tests.fake_data_api import KCH123, FakeDataApi, serve_fake

AGENT = """
[agents.copier]
strategy = "copy"
venues = ["polymarket"]
follow = {follow}
sizing = {{ mode = "PERCENTAGE", value = "10" }}
"""


def health(tmp_path: Path, toml: str | None, **env: str) -> Result:
    """``tape health`` with a configuration file (or none) and extra variables."""
    variables = {"TAPE_HOME": str(tmp_path / "home"), "POLYMARKET_PRIVATE_KEY": "", **env}
    if toml is not None:
        config = tmp_path / "tape.toml"
        config.write_text(toml, encoding="utf-8")
        variables["TAPE_CONFIG"] = str(config)
    return CliRunner().invoke(cli, ["health"], env=variables)


def test_a_broken_configuration_fails_naming_what_is_wrong(tmp_path: Path) -> None:
    result = health(tmp_path, AGENT.format(follow=f'["{KCH123}"]') + "colour = 3\n")
    assert result.exit_code == 1, result.output
    assert "[FAIL] configuration unusable:" in result.output
    assert "colour" in result.output


def test_a_copy_agent_of_the_file_that_follows_nobody_fails(tmp_path: Path) -> None:
    result = health(tmp_path, AGENT.format(follow="[]"))
    assert result.exit_code == 1, result.output
    assert "[FAIL] copy agent copier follows nobody: it will never trade" in result.output
    assert "Data API" not in result.output  # nobody to read


def test_the_data_api_is_checked_when_an_agent_follows_a_wallet(tmp_path: Path) -> None:
    api = FakeDataApi()
    with serve_fake(api) as fake:
        result = health(
            tmp_path, AGENT.format(follow=f'["{KCH123}"]'), POLYMARKET_DATA_URL=fake.url
        )
        assert result.exit_code == 0, result.output
        assert f"[ok  ] Data API {fake.url} answers" in result.output
        assert "[ok  ] copier follows 1 wallet(s)" in result.output
        assert "paper orders fill against Polymarket's live public books at" in result.output
        assert any(path == "/activity" for path, _ in api.requests)
        api.unreachable.add(KCH123)  # 503 for the wallet
        failing = health(
            tmp_path, AGENT.format(follow=f'["{KCH123}"]'), POLYMARKET_DATA_URL=fake.url
        )
    assert failing.exit_code == 1, failing.output
    assert f"[FAIL] Data API {fake.url} unreachable: HTTP 503" in failing.output
    assert failing.output.rstrip().endswith("check(s) failed")


def test_no_configuration_at_all_is_a_warning_and_a_typo_is_named(tmp_path: Path) -> None:
    result = health(tmp_path, None, FOLOW_TRADERS=KCH123)
    assert result.exit_code == 0, result.output
    assert "[warn] copy agent default follows nobody: it will never trade; set FOLLOW_TRADERS" in (
        result.output
    )
    assert "[warn] FOLOW_TRADERS is not a variable Tape reads, so it is ignored; did you mean " in (
        result.output
    )
