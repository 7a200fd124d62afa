"""``tape health``'s checks of what a follower configured: the configuration itself, the
follow lists of copy agents, the environment's warnings, and the Data API the monitor reads.

Each is a ``Check`` (``adapters.venues.spec``): a configuration that cannot be read, or a copy
agent of a configuration file that follows nobody, fails; the same from the environment's
variables alone (no file) is a warning; an unreachable Data API fails when some agent follows a
wallet (the monitor needs it then).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from adapters.config_file import ConfigError, TapeConfig
from adapters.polymarket_data.client import Backoff, DataApiClient, DataApiError
from adapters.settings import Settings, SettingsError
from adapters.venues.spec import Check, HealthLine

ENVIRONMENT = "environment"


def configuration_health(settings: Settings, **probes: Any) -> Iterator[HealthLine]:
    """The configuration section of ``tape health``. ``probes``: ``data_api`` replaces the
    Data API client (tests)."""
    yield "configuration"
    for warning in settings.warnings:
        yield Check("environment", True, warning, fatal=False)
    try:
        config = settings.tape_config()
    except (ConfigError, SettingsError) as error:
        yield Check("configuration", False, f"configuration unusable: {error}")
        return
    names = ", ".join(a.name for a in config.agents)
    yield Check(
        "configuration",
        True,
        f"{_where(config)}: {len(config.agents)} agent(s) ({names})",
    )
    yield from _follow_lists(config)
    wallets = sorted({w for a in config.agents if a.strategy == "copy" for w in a.follow})
    if wallets:
        yield _data_api(settings, wallets[0], probes.get("data_api"))


def _where(config: TapeConfig) -> str:
    if config.source == ENVIRONMENT:
        return "no tape.toml: the agent default from FOLLOW_TRADERS and the copy variables"
    return config.source


def _follow_lists(config: TapeConfig) -> Iterator[Check]:
    from_file = config.source != ENVIRONMENT
    for agent in config.agents:
        if agent.strategy != "copy":
            continue
        if agent.follow:
            yield Check(f"follow {agent.name}", True, f"{agent.name} follows {len(agent.follow)}"
                        " wallet(s)")  # fmt: skip
            continue
        fix = "add wallets to its follow list" if from_file else "set FOLLOW_TRADERS"
        message = f"copy agent {agent.name} follows nobody: it will never trade; {fix}"
        # from a file: a failure; from the environment alone: a warning (nothing set up yet)
        yield Check(f"follow {agent.name}", not from_file, message, fatal=from_file)


def _data_api(settings: Settings, wallet: str, client: DataApiClient | None) -> Check:
    base = settings.monitor.data_url
    client = client or DataApiClient(base, timeout=(5.0, 10.0), backoff=Backoff(attempts=1))
    try:
        client.get_list("/activity", {"user": wallet, "limit": 1, "type": "TRADE"})
    except DataApiError as error:
        return Check("data api", False, f"Data API {base} unreachable: {error}")
    return Check("data api", True, f"Data API {base} answers (the monitor reads it)")
