"""Where an agent's venue keys are, by name only (``AgentConfig.keys``): which variables it
names, whether each is set, and a check that it names at least one its venues read. Never a
value: the API, the dashboard and configuration errors show these names and booleans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.venues.registry import market_venues
from engine.config import AgentConfig


def _matches(source: str, variable: str) -> bool:
    pattern = source.removeprefix("env:")
    if pattern.endswith("*"):
        return variable.startswith(pattern[:-1])
    return variable == pattern


def _venue_variables(venue: str) -> tuple[list[str], tuple[str, ...]]:
    for spec in market_venues():
        if spec.name == venue:
            names = [cred.variable for cred in spec.credentials]
            return names + [n for n in spec.key_variables if n not in names], spec.key_variables
    return [], ()


def agent_keys(config: AgentConfig, environ: Mapping[str, str]) -> dict[str, Any]:
    """Each variable of the agent's venues that its ``keys`` names (every one when it names
    none) and whether it is set; the venues that have a signing key among them."""
    source = config.keys
    variables: dict[str, bool] = {}
    venues_with_key = []
    for venue in config.venues:
        names, key_names = _venue_variables(venue)
        for name in names:
            if source is None or _matches(source, name):
                variables[name] = bool(environ.get(name))
        if any(variables.get(name) for name in key_names):
            venues_with_key.append(venue)
    return {"source": source or "env", "variables": variables, "venues_with_key": venues_with_key}


def key_source_problem(config: AgentConfig) -> str | None:
    """What is wrong with an agent's ``keys`` (it names no variable its venues read), or None.
    The message quotes the pattern, which has been checked to hold names only."""
    source = config.keys
    if source is None:
        return None
    for venue in config.venues:
        if any(_matches(source, name) for name in _venue_variables(venue)[0]):
            return None
    return f"keys: {source} names no variable of its venues ({', '.join(config.venues)})"
