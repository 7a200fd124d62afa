"""The strategies Tape knows, by the name an agent's ``strategy`` gives: one line each.

Adding a strategy is one module beside this one (a :class:`~engine.strategies.base.Strategy`
subclass) and one line in ``STRATEGIES`` below. ``copy`` is not a strategy: copy agents trade
the intents their traders' trades become.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from engine.strategies.arbitrage import Arbitrage
from engine.strategies.base import Strategy
from engine.strategies.mean_reversion import MeanReversion
from engine.strategies.momentum import Momentum

STRATEGIES: tuple[Strategy[Any, Any], ...] = (
    Arbitrage(),
    MeanReversion(),
    Momentum(),
)

REGISTRY: dict[str, Strategy[Any, Any]] = {s.name: s for s in STRATEGIES}

RESERVED: frozenset[str] = frozenset()
"""Names accepted before their strategy is built (the agent then places nothing of its own)."""


def get_strategy(name: str) -> Strategy[Any, Any] | None:
    """The strategy of that name, or None (``copy``, or a reserved name not built yet)."""
    return REGISTRY.get(name)


def check_strategy_name(name: str) -> str:
    """``name`` if an agent may use it, else a ValueError listing the names there are."""
    if name == "copy" or name in REGISTRY or name in RESERVED:
        return name
    known = ", ".join(["copy", *sorted(REGISTRY), *sorted(RESERVED - set(REGISTRY))])
    raise ValueError(f"unknown strategy (known: {known})")


def gather_params(data: Any, *, fields: frozenset[str]) -> Any:
    """Move the strategy's top-level keys of an agent's table into ``params``."""
    if not isinstance(data, dict):
        return data
    name = data.get("strategy", "copy")
    strategy = get_strategy(name) if isinstance(name, str) else None
    if strategy is None:
        return data
    moved = {k: v for k, v in data.items() if k in strategy.top_level_keys and k not in fields}
    if not moved:
        return data
    params = data.get("params", {})
    if not isinstance(params, dict):
        return data  # the params validator says what is wrong
    twice = sorted(set(moved) & set(params))
    if twice:
        raise ValueError(f"{', '.join(twice)}: given both in params and in the agent's table")
    rest = {k: v for k, v in data.items() if k not in moved}
    return {**rest, "params": {**params, **moved}}


def normalised_params(strategy_name: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The agent's parameters validated by its strategy, in their stored (JSON) form; a copy
    agent (or a reserved name) takes none."""
    strategy = get_strategy(strategy_name)
    if strategy is None:
        if raw:
            raise ValueError(f"a {strategy_name} agent takes no params")
        return {}
    try:
        params = strategy.parse_params(raw)
    except ValidationError as error:
        raise ValueError(_described(error)) from None
    return params.model_dump(mode="json")  # type: ignore[no-any-return]


def _described(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        elif item["type"] == "missing":
            message = "missing"
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
