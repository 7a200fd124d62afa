"""Agents over HTTP: list, register, change rules, activate, reduce, halt, one agent's status,
and the brief's paths as aliases. Every write is an engine command (``RegisterAgents``,
``SetTradingState``), so it is an event and replays."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar, cast

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field, ValidationError

from adapters.agent_keys import agent_keys, key_source_problem
from adapters.api.context import ApiContext
from adapters.api.errors import ApiError
from adapters.control.cancels import cancel_for_state
from engine import commands as c
from engine.agents import Agent
from engine.config import AgentConfig
from engine.ids import agent_uuid
from engine.intent import describe_validation_error
from engine.service import TradingEngine
from engine.values import TradingState
from projections import queries
from projections.queries import Filters
from projections.rows import plain as _plain

CREDENTIAL_WORDS = ("key", "secret", "passphrase", "password", "mnemonic", "seed")
KEY_SOURCE_FIELD = "keys"  # names where the keys are (checked: names only), never a key
RECENT_DECISIONS = 10
SWITCHES = {
    "activate": (TradingState.ACTIVE, "activated over the API"),
    "reduce": (TradingState.REDUCING, "reduce-only set over the API"),
    "halt": (TradingState.HALTED, "halted over the API"),
}


_T = TypeVar("_T")


def _json(value: _T) -> _T:
    """JSON-ready data (Decimals as exact strings, times as RFC 3339), shaped as given."""
    return cast("_T", _plain(value))


class StateChange(BaseModel):
    """Why an agent is switched (optional)."""

    reason: str | None = None


class WalletRef(BaseModel):
    """A trader's wallet to follow or stop following."""

    wallet: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")


class AgentRef(BaseModel):
    """The brief's alias bodies: which agent, and why."""

    agent_id: str
    reason: str | None = None


def agent_config(data: dict[str, Any]) -> AgentConfig:
    """An agent's rules from JSON (the ``tape.toml`` fields and ``name``); 422 with the
    fields named when they do not make an agent. A field that would carry a credential is
    refused by name: keys stay in the environment or a keystore, and ``keys`` only names them.
    Rules set here are the API's (``set_by="api"``) unless the body hands them to the file."""
    for field_name in data:
        lowered = str(field_name).lower()
        if lowered != KEY_SOURCE_FIELD and any(word in lowered for word in CREDENTIAL_WORDS):
            raise ApiError(
                422,
                f"{field_name}: credentials are never accepted through the API; set them "
                "in the environment (or a keystore) of the process that serves",
            )
    try:
        config = AgentConfig.model_validate({"set_by": "api", **data})
    except ValidationError as error:
        raise ApiError(422, describe_validation_error(error)) from None
    problem = key_source_problem(config)
    if problem is not None:
        raise ApiError(422, problem)
    return config


def summary(agent: Agent, environ: Mapping[str, str]) -> dict[str, Any]:
    """One agent as the list shows it: rules, state, risk book, and where its keys are (the
    variables' names and whether each is set, never a value)."""
    config = agent.config
    return _json(
        {
            "name": agent.name,
            "state": agent.trading_state,
            "reason": agent.state_reason,
            "strategy": config.strategy,
            "venues": list(config.venues),
            "follows": len(config.follow),
            "limits": config.to_record(),
            "trades_today": agent.trades_on_day,
            "deployed": agent.deployed(),
            "realised_pnl": agent.realised_pnl,
            "consecutive_failures": agent.consecutive_failures,
            "set_by": config.set_by,
            "keys": agent_keys(config, environ),
        }
    )


def _pnl_by_agent(balances: list[dict[str, Any]]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for row in balances:
        out[row["agent"]] = out.get(row["agent"], Decimal(0)) + row["marked_pnl"]
    return out


def router(ctx: ApiContext) -> APIRouter:
    """The agent routes under ``/api/v1`` and the brief's aliases under ``/api/agent``."""
    api = APIRouter()

    def summary_of(agent: Agent) -> dict[str, Any]:
        return summary(agent, ctx.venue_environ)

    def find(name: str) -> Agent:
        agent = ctx.agent(agent_uuid(name))
        if agent is None:
            raise ApiError(404, f"no agent named {name!r}")
        return agent

    def register(data: dict[str, Any]) -> dict[str, Any]:
        config = agent_config(data)
        if ctx.agent(agent_uuid(config.name)) is not None:
            raise ApiError(409, f"an agent named {config.name!r} exists: PATCH it to change it")
        ctx.command(lambda e: e.handle(c.RegisterAgents((config,), by_command=True)))
        return summary_of(find(config.name))

    def switch(name: str, action: str, reason: str | None) -> dict[str, Any]:
        state, default_reason = SWITCHES[action]
        find(name)

        def run(engine: TradingEngine) -> tuple[bool, dict[str, int]]:
            changed = engine.handle(c.SetTradingState(name, state, reason or default_reason))
            # halt: every resting order; reduce: the resting buys (adapters/control/cancels.py)
            return changed, cancel_for_state(engine, name, state, from_log=False)

        changed, canceled = ctx.command(run)
        return {**summary_of(find(name)), "changed": changed, "canceled": canceled}

    def status(name: str) -> dict[str, Any]:
        agent = find(name)
        filters = Filters(agent=name)
        positions = ctx.read(lambda m: queries.positions(m, filters))
        decisions = ctx.read(lambda m: queries.intents(m, filters))[-RECENT_DECISIONS:]
        balances = ctx.read(lambda m: queries.balances(m, filters))
        return {
            **summary_of(agent),
            "marked_pnl": _json(_pnl_by_agent(balances).get(name, Decimal(0))),
            "positions": _json(positions),
            "last_decisions": _json(decisions),
        }

    @api.get("/api/v1/agents", tags=["agents"])
    def list_agents() -> list[dict[str, Any]]:
        """Every agent: name, strategy, venues, state, limits, PnL (realised and marked)."""
        pnl = _pnl_by_agent(ctx.read(lambda m: queries.balances(m, Filters())))
        return [
            {**summary_of(agent), "marked_pnl": _json(pnl.get(agent.name, Decimal(0)))}
            for agent in ctx.agents()
        ]

    @api.post("/api/v1/agents", status_code=201, tags=["agents"])
    def register_agent(data: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """Register an agent (the ``tape.toml`` fields as JSON, with ``name``); 409 if the
        name exists."""
        return register(data)

    @api.get("/api/v1/agents/{name}", tags=["agents"])
    def get_agent(name: str) -> dict[str, Any]:
        """One agent's status: state, limits used, positions, last decisions."""
        return status(name)

    @api.patch("/api/v1/agents/{name}", tags=["agents"])
    def change_agent(name: str, data: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """Change an agent's rules (``AgentConfigChanged``): the fields given replace its own."""
        agent = find(name)
        if "name" in data and data["name"] != name:
            raise ApiError(422, "name: an agent cannot be renamed")
        config = agent_config({**agent.config.to_record(), "set_by": "api", **data, "name": name})
        ctx.command(lambda e: e.handle(c.RegisterAgents((config,), by_command=True)))
        return summary_of(find(name))

    for action in SWITCHES:
        api.add_api_route(
            f"/api/v1/agents/{{name}}/{action}",
            _switch_route(switch, action),
            methods=["POST"],
            tags=["agents"],
            summary=f"{action.capitalize()} an agent (TradingStateChanged)",
        )

    @api.post("/api/agent/register", status_code=201, tags=["aliases"])
    def alias_register(data: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        """Alias of ``POST /api/v1/agents`` (``agent_id`` may stand for ``name``)."""
        if "agent_id" in data and "name" not in data:
            data = {**{k: v for k, v in data.items() if k != "agent_id"}, "name": data["agent_id"]}
        return register(data)

    @api.post("/api/agent/activate", tags=["aliases"])
    def alias_activate(ref: AgentRef) -> dict[str, Any]:
        """Alias of ``POST /api/v1/agents/{name}/activate``."""
        return switch(ref.agent_id, "activate", ref.reason)

    @api.post("/api/agent/deactivate", tags=["aliases"])
    def alias_deactivate(ref: AgentRef) -> dict[str, Any]:
        """Alias of ``POST /api/v1/agents/{name}/halt``."""
        return switch(ref.agent_id, "halt", ref.reason)

    @api.get("/api/agent/status/{agent_id}", tags=["aliases"])
    def alias_status(agent_id: str) -> dict[str, Any]:
        """Alias of ``GET /api/v1/agents/{name}``."""
        return status(agent_id)

    return _follow_routes(api, ctx, find)


def _switch_route(
    switch: Callable[[str, str, str | None], dict[str, Any]], action: str
) -> Callable[..., dict[str, Any]]:
    def route(name: str, change: StateChange | None = None) -> dict[str, Any]:
        return switch(name, action, change.reason if change else None)

    route.__doc__ = f"{action.capitalize()} an agent; answers its state and whether it changed."
    route.__name__ = f"{action}_agent"
    return route


def _follow_routes(api: APIRouter, ctx: ApiContext, find: Callable[[str], Agent]) -> APIRouter:
    # Following a trader over the API: the same engine command as `tape agents follow`.
    @api.post("/api/v1/agents/{name}/follow", tags=["agents"])
    def follow_wallet(name: str, ref: WalletRef) -> dict[str, Any]:
        """Add a wallet to the agent's follow list (``ChangeFollowList`` ->
        ``AgentConfigChanged``); answers the agent and whether the list changed."""
        find(name)
        changed = ctx.command(lambda e: e.handle(c.ChangeFollowList(name, ref.wallet)))
        return {**summary(find(name), ctx.venue_environ), "changed": changed}

    @api.post("/api/v1/agents/{name}/unfollow", tags=["agents"])
    def unfollow_wallet(name: str, ref: WalletRef) -> dict[str, Any]:
        """Take a wallet from the agent's follow list (a recorded change)."""
        find(name)
        changed = ctx.command(
            lambda e: e.handle(c.ChangeFollowList(name, ref.wallet, follow=False))
        )
        return {**summary(find(name), ctx.venue_environ), "changed": changed}

    return api
