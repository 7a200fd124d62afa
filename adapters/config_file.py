"""Reading the configuration: ``tape.toml`` (tomllib), or the copy-trading environment variables.

Secrets never live here: venue keys come from the environment or an encrypted keystore.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from adapters.notify.config import NotifyConfig, NotifyConfigError, parse_notify
from engine.config import AgentConfig, decimal_from_config
from engine.intent import describe_validation_error

CONFIG_ENV = "TAPE_CONFIG"
DEFAULT_CONFIG = Path("tape.toml")
TOP_LEVEL_KEYS = frozenset({"agents", "paper", "notify"})
PAPER_KEYS = frozenset({"fee_rate"})


class ConfigError(ValueError):
    """The configuration cannot be used; the message says where and why, in one line."""


@dataclass(frozen=True)
class TapeConfig:
    """The agents and the paper venue's settings, and where they came from."""

    agents: tuple[AgentConfig, ...]
    paper_fee_rate: Decimal
    source: str
    notify: NotifyConfig = field(default_factory=NotifyConfig)


def load_config(path: Path | None, environ: Mapping[str, str]) -> TapeConfig:
    """The file given, else ``$TAPE_CONFIG``, else ``./tape.toml``, else the copy-trading
    variables of ``environ`` (``Settings.tape_config`` passes the process's)."""
    env = environ
    chosen = path or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
    if chosen is None and DEFAULT_CONFIG.is_file():
        chosen = DEFAULT_CONFIG
    if chosen is None:
        return config_from_env(env)
    if not chosen.is_file():
        raise ConfigError(f"{chosen}: no such configuration file")
    try:
        data = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise ConfigError(f"{chosen}: not UTF-8 text (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{chosen}: not valid TOML: {_one_line(str(error))}") from None
    except OSError as error:
        raise ConfigError(f"{chosen}: cannot be read ({error.strerror or 'error'})") from None
    return config_from_toml(data, source=str(chosen))


def config_from_toml(data: Mapping[str, Any], *, source: str) -> TapeConfig:
    """Build the configuration from a parsed ``tape.toml``."""
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        names = _one_line(", ".join(unknown))[:200]
        raise ConfigError(f"{source}: unknown section {names} (agents, paper, notify)")
    tables = data.get("agents", {})
    if not isinstance(tables, dict) or not tables:
        raise ConfigError(f"{source}: no [agents.NAME] table")
    agents = []
    for name in sorted(tables):
        table = tables[name]
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: agents.{_one_line(name)[:80]} must be a table")
        agents.append(_agent(name, table, source))
    fee = _paper_fee_rate(data.get("paper", {}), source)
    try:
        notify = parse_notify(data.get("notify", {}))
    except NotifyConfigError as error:
        raise ConfigError(f"{source}: {_one_line(str(error))}") from None
    return TapeConfig(tuple(agents), fee, source, notify)


def _paper_fee_rate(paper: Any, source: str) -> Decimal:
    if not isinstance(paper, dict):
        raise ConfigError(f"{source}: paper must be a table")
    unknown = sorted(set(paper) - PAPER_KEYS)
    if unknown:
        raise ConfigError(f"{source}: paper: unknown key {', '.join(unknown)} (fee_rate)")
    return fee_rate(paper.get("fee_rate", "0"), f"{source}: paper.fee_rate")


def fee_rate(value: Any, where: str) -> Decimal:
    """A fee rate: a decimal in [0, 1) (a fraction of the notional), never NaN or infinite;
    refused with one line naming ``where``, never repeating the value."""
    try:
        rate = decimal_from_config(value)
    except ValueError as error:
        raise ConfigError(f"{where}: {error}") from None
    if not Decimal(0) <= rate < 1:
        raise ConfigError(f"{where}: must be at least 0 and below 1")
    return rate


def _agent(name: str, table: Mapping[str, Any], source: str) -> AgentConfig:
    where = f"{source}: agents.{_one_line(name)[:80]}"
    if "name" in table:
        raise ConfigError(f"{where}: name: unknown field (the table's name is the agent's)")
    if "set_by" in table:
        raise ConfigError(f"{where}: set_by: unknown field (the API sets it)")
    try:
        config = AgentConfig(name=name, **table)
    except ValidationError as error:
        raise ConfigError(f"{where}: {_one_line(describe_validation_error(error))}") from None
    except TypeError:
        raise ConfigError(f"{where}: not a table of settings") from None
    from adapters.agent_keys import key_source_problem  # noqa: PLC0415 - the venue registry

    problem = key_source_problem(config)
    if problem is not None:
        raise ConfigError(f"{where}: {problem}")
    return config


def _one_line(text: str) -> str:
    # A message is one line whatever it quotes; a lone surrogate cannot be printed.
    flat = " ".join(text.split())
    return flat.encode("utf-8", "backslashreplace").decode("utf-8")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def config_from_env(env: Mapping[str, str]) -> TapeConfig:
    """One agent named ``default`` from the variables copy-trading users already know:
    FOLLOW_TRADERS, MARKET_ALLOWLIST, MAX_INTENT_SIZE_USDC, MAX_INTENT_AGE_SECONDS,
    COPY_SIZING_STRATEGY, COPY_SIZE (for TIERED: ``from:multiplier,...``), MAX_SLIPPAGE_PERCENT."""
    table: dict[str, Any] = {
        "follow": _split(env.get("FOLLOW_TRADERS", "")),
        "markets": _split(env.get("MARKET_ALLOWLIST", "")),
    }
    if env.get("MAX_INTENT_SIZE_USDC"):
        table["max_intent_usdc"] = env["MAX_INTENT_SIZE_USDC"]
    if env.get("MAX_INTENT_AGE_SECONDS"):
        try:
            table["max_intent_age_s"] = int(env["MAX_INTENT_AGE_SECONDS"])
        except ValueError:
            raise ConfigError("MAX_INTENT_AGE_SECONDS must be a whole number of seconds") from None
    if env.get("MAX_SLIPPAGE_PERCENT"):
        table["max_slippage_pct"] = env["MAX_SLIPPAGE_PERCENT"]
    mode = env.get("COPY_SIZING_STRATEGY", "").strip().upper()
    if mode:
        size = env.get("COPY_SIZE", "").strip()
        if mode == "TIERED":
            tiers = [tuple(part.split(":", 1)) for part in _split(size)]
            table["sizing"] = {"mode": mode, "tiers": tiers}
        else:
            table["sizing"] = {"mode": mode, "value": size or None}
    return TapeConfig((_agent("default", table, "environment"),), Decimal(0), "environment")
