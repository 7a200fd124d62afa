"""``tape demo``: a bundled sample trading day on the paper venue, from an empty store
(``--strategies``: the sample strategy day, traded by strategy agents)."""

from __future__ import annotations

import shutil
import tomllib

import click

from adapters.bootstrap import build, day_clock
from adapters.config_file import config_from_toml
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.sample_day.day import write_day
from adapters.sample_day.strategy_day import STRATEGY_CONFIG_TOML, write_strategy_day
from adapters.settings import Settings
from cli.context import pass_settings
from cli.errors import TapeUsageError
from cli.run_cmd import run_day, summary

DEMO_SEED = 7
DEMO_INTENTS = 300


@click.command()
@click.option(
    "--intents",
    "intent_count",
    default=DEMO_INTENTS,
    show_default=True,
    help="How many intents the sample day has.",
)
@click.option("--seed", default=DEMO_SEED, show_default=True, help="The sample day's seed.")
@click.option(
    "--strategies",
    is_flag=True,
    help="Run the sample strategy day instead: a Polymarket market and its Kalshi twin, "
    "traded by strategy agents.",
)
@pass_settings
def demo(settings: Settings, intent_count: int, seed: int, strategies: bool) -> None:
    """Run a bundled sample trading day on the paper venue and print what happened."""
    if settings.database_url is not None:
        raise TapeUsageError("tape demo runs on the embedded SQLite store: unset TAPE_DATABASE_URL")
    home = settings.home
    marker = home / ".demo"
    if home.exists() and any(home.iterdir()) and not marker.exists():
        raise TapeUsageError(
            f"{home} holds a store that is not a demo's; set TAPE_HOME to an empty folder"
        )
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    marker.write_text("this folder was made by tape demo; it is replaced by the next one\n")
    if strategies:
        day, toml = home / "demo-strategy-day.jsonl", STRATEGY_CONFIG_TOML
        write_strategy_day(day)
        described = f"the sample strategy day {day}"
    else:
        day, toml = home / "demo-day.jsonl", DEMO_CONFIG_TOML
        write_day(day, seed, intents=intent_count)
        described = f"the sample day {day} (seed {seed})"
    config_path = home / "demo.toml"
    config_path.write_text(toml, encoding="utf-8")
    config = config_from_toml(tomllib.loads(toml), source=str(config_path))
    tape = build(settings, config, clock=day_clock())
    result = run_day(tape, config, day, max_gap=settings.max_time_gap)
    click.echo(summary(tape, result, f"{described} with {config_path}"))
