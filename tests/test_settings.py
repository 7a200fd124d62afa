"""Settings: the one reader of the environment and the configuration file."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, NoReturn

import pytest
from click.testing import CliRunner

from adapters.settings import Settings, SettingsError
from cli.main import cli
from tests.cli_rig import run_cli

REPO = Path(__file__).resolve().parent.parent
SECRET = "sk_live_51HcQ0xDEADBEEFnotAtoken"  # noqa: S105 - a secret-looking value for the test
CONFIG_TOML = '[agents.alpha]\nvenues = ["polymarket"]\n'


class ForbiddenEnviron(dict[str, str]):
    """``os.environ`` during a test that must not read it: any read fails."""

    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise AssertionError("the process environment was read")

    __getitem__ = get = __contains__ = __iter__ = keys = items = values = __len__ = _refuse
    copy = _refuse


@pytest.fixture
def no_process_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The process environment forbidden, and a misleading tape.toml in the working folder."""
    folder = tmp_path / "cwd"
    folder.mkdir()
    (folder / "tape.toml").write_text("this is not TOML [", encoding="utf-8")
    monkeypatch.chdir(folder)
    monkeypatch.setattr(os, "environ", ForbiddenEnviron())
    return folder


def test_settings_read_only_the_mapping_and_the_file_given(
    no_process_environment: Path, tmp_path: Path
) -> None:
    config = tmp_path / "given.toml"
    config.write_text(CONFIG_TOML, encoding="utf-8")
    environ = {
        "TAPE_HOME": str(tmp_path / "home"),
        "TAPE_PAPER_URL": "http://127.0.0.1:9999",
        "TAPE_PAPER_ONLY": "1",
        "TAPE_API_TOKEN": "a-token",
        "TAPE_WORKERS": "3",
        "TAPE_PROJECTION_BATCH": "50",
        "POLYMARKET_DATA_URL": "http://127.0.0.1:1234",
        "POLYMARKET_PRIVATE_KEY": "0x" + "1" * 64,
    }

    settings = Settings.load(environ, config_path=config)

    assert settings.home == tmp_path / "home"
    assert (settings.paper_url, settings.paper_only) == ("http://127.0.0.1:9999", True)
    assert settings.api_token is not None
    assert settings.api_token.reveal() == "a-token"
    assert (settings.workers, settings.projection_batch) == (3, 50)
    assert settings.monitor.data_url == "http://127.0.0.1:1234"
    assert dict(settings.venue_environ) == environ
    with pytest.raises(TypeError):
        settings.venue_environ["TAPE_HOME"] = "elsewhere"  # type: ignore[index]
    assert [a.name for a in settings.tape_config().agents] == ["alpha"]
    storage = settings.storage()
    assert (storage.kind, storage.location) == ("sqlite", str(tmp_path / "home" / "tape.db"))


def test_without_a_file_the_copy_trading_variables_of_the_mapping_define_the_agent(
    no_process_environment: Path,
) -> None:
    (no_process_environment / "tape.toml").unlink()
    settings = Settings.load({"FOLLOW_TRADERS": "0x" + "ab" * 20})
    config = settings.tape_config()
    assert config.source == "environment"
    assert [a.name for a in config.agents] == ["default"]


def test_secrets_are_never_shown() -> None:
    settings = Settings.load(
        {"TAPE_API_TOKEN": SECRET, "TAPE_DATABASE_URL": f"postgresql://u:{SECRET}@h/db"}
    )
    assert SECRET not in repr(settings.api_token)
    assert SECRET not in repr(settings.database_url)
    assert settings.storage().location == "h:5432/db"


@pytest.mark.parametrize("variable", ["TAPE_WORKERS", "TAPE_PROJECTION_BATCH", "TAPE_DATABASE_URL"])
def test_a_secret_pasted_into_the_wrong_variable_is_refused_without_showing_it(
    variable: str,
) -> None:
    with pytest.raises((SettingsError, ValueError)) as refused:
        Settings.load({variable: SECRET}).storage()
    message = str(refused.value)
    assert variable in message
    assert SECRET not in message
    assert "\n" not in message


def test_a_secret_pasted_into_tape_config_is_not_shown(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="TAPE_CONFIG") as refused:
        Settings.load({"TAPE_HOME": str(tmp_path), "TAPE_CONFIG": SECRET}).tape_config()
    assert SECRET not in str(refused.value)


def test_the_command_line_says_it_in_one_line_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("TAPE_HOME", str(tmp_path))
    monkeypatch.setenv("TAPE_WORKERS", SECRET)
    code, out, err = run_cli(capsys, "orders")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "TAPE_WORKERS" in err
    assert SECRET not in err


ENVIRONMENT_READ = re.compile(r"(?<!`)\bos\.environ\b|\bgetenv\(|envvar=")  # not ``docs``
VENUE_HELPERS_FILES = ("adapters/polymarket/", "adapters/paper/", "adapters/credentials.py")
CHILD_PROCESS_ENVIRONMENT = ("bench/",)  # the bench helper's; listed in the report


def test_only_settings_reads_the_environment() -> None:
    readers = []
    for folder in ("adapters", "cli", "engine", "projections"):
        for path in sorted((REPO / folder).rglob("*.py")):
            name = path.relative_to(REPO).as_posix()
            if name == "adapters/settings.py" or name.startswith(VENUE_HELPERS_FILES):
                continue
            if ENVIRONMENT_READ.search(path.read_text(encoding="utf-8")):
                readers.append(name)
    assert readers == []


def test_a_command_runs_on_the_settings_it_is_given_not_the_process_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TAPE_HOME", str(tmp_path / "from-the-process"))
    given = Settings.load({"TAPE_HOME": str(tmp_path / "given")})
    result = CliRunner().invoke(cli, ["orders", "--json"], obj=given)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "given" / "tape.db").is_file()
    assert not (tmp_path / "from-the-process").exists()
