"""``tape serve``'s apps: the one-process service (the engine behind the intake, the API and
the dashboard, with the resolution poller and the strategies' market data when asked) and the
recording-only intake of ``--workers``."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from adapters.bootstrap import (
    Tape,
    build,
    ingest_log,
    live_clock,
    open_ingest_app,
    require_postgres,
)
from adapters.resolutions.poller import LockedPolling, ResolutionPoller
from adapters.resolutions.sources import resolution_sources
from adapters.settings import Settings
from cli.context import claim_store
from cli.errors import TapeUsageError
from cli.projections_cmd import open_projector
from engine.agents import Agent
from engine.config import AgentConfig
from engine.ids import agent_uuid
from projections.queries import TrackedReadModels

if TYPE_CHECKING:
    from fastapi import FastAPI

    from adapters.config_file import TapeConfig
    from adapters.http_guard import Exposure
    from engine.application import TapeApplication


def report(message: str) -> None:
    """One line on stderr, as ``tape serve`` says it."""
    click.echo(f"tape serve: {message}", err=True)


def service_app(
    settings: Settings,
    tape: Tape,
    token: str | None,
    max_body: int,
    resolve_interval: float | None = None,
    *,
    strategies: tuple[Sequence[AgentConfig], float] | None = None,
    **intake: Any,
) -> FastAPI:
    """The intake with the API and the dashboard mounted, sharing one engine lock (``intake``:
    the intake's own options: exposure, item cap, store health); with ``resolve_interval``,
    the resolution poller beside them (``adapters/resolutions``); with ``strategies`` (the
    agents, seconds between polls), the strategies' live market data too, under that lock."""
    from adapters.api.app import mount_service  # noqa: PLC0415
    from adapters.http_ingest import create_app  # noqa: PLC0415

    lock = threading.Lock()
    app = create_app(tape.engine, token, max_body=max_body, report=report, lock=lock, **intake)
    logs = [tape.app]  # the engine's own log: no second connection to close
    projector = open_projector(logs, tape.storage, settings=settings)
    app.state.api = mount_service(
        app,
        tape.engine,
        token=token,
        lock=lock,
        read_models=TrackedReadModels(projector),
        logs=logs,
        venue_environ=settings.venue_environ,
        live=frozenset(tape.live),
    )
    if resolve_interval is not None:
        poller = ResolutionPoller(
            tape.engine, resolution_sources(settings.venue_environ), report=report
        )
        LockedPolling(poller, lock, interval=resolve_interval).start()
    if strategies is not None:
        _start_strategies(app, tape, lock, strategies)
    return app


def _start_strategies(
    app: FastAPI, tape: Tape, lock: threading.Lock, strategies: tuple[Sequence[AgentConfig], float]
) -> None:
    # The strategies' live market data on a thread, under the service's engine lock; stopped
    # when the service shuts down, before the store is closed.
    from adapters.market_data_runner import (  # noqa: PLC0415
        MarketDataRunner,
        start_in_thread,
        strategy_instruments,
    )

    agents, every = strategies
    instruments = strategy_instruments(agents)
    if not instruments:
        raise TapeUsageError("--strategies: no strategy agent names a market in tape.toml")
    runner = MarketDataRunner(tape.engine, instruments, lock=lock, report=report)
    report(f"strategies: polling {len(instruments)} books every {every:g}s")
    running = start_in_thread(runner, every)
    app.state.strategies = running  # closed again, harmlessly, on every way out of serve
    app.router.on_shutdown.append(running.close)


def one_process(
    settings: Settings,
    config: TapeConfig,
    token: str | None,
    max_body: int,
    exposure: Exposure,
    *,
    strategies_every: float | None = None,
    resolve_interval: float | None = None,
) -> tuple[FastAPI, TapeApplication, str]:
    """The engine (its agents registered, recovered) with the intake, the API and the page
    (and the resolution poller, the strategies' live market data, when asked)."""
    from adapters.store_health import StoreHealth  # noqa: PLC0415

    claim_store(settings, "tape serve")
    tape = build(settings, config, clock=live_clock())
    tape.engine.register_agents(config.agents)
    _report_kept_rules(tape, config.agents)
    recovery = tape.engine.recover()
    if recovery.decided:
        report(f"decided {recovery.decided} intent(s) received before the last stop")
    path = Path(tape.storage.location) if tape.storage.kind == "sqlite" else None
    app = service_app(
        settings,
        tape,
        token,
        max_body,
        resolve_interval,
        strategies=(config.agents, strategies_every) if strategies_every else None,
        max_items=settings.intake_max_items,
        exposure=exposure,
        store=StoreHealth(path),
    )
    return app, tape.app, f"store {tape.storage.kind} {tape.storage.location}"


def recording_only(
    settings: Settings, config: TapeConfig, token: str | None, max_body: int, exposure: Exposure
) -> tuple[FastAPI, TapeApplication, str]:
    """With ``--workers``: the intake records into the ingest log and the workers decide; the
    API and the page answer 503 saying why (ARCHITECTURE.md, "The service")."""
    from adapters.api.app import mount_workers_refusal  # noqa: PLC0415
    from adapters.http_ingest import create_app  # noqa: PLC0415
    from adapters.store_health import StoreHealth  # noqa: PLC0415

    storage = require_postgres(settings)
    log = ingest_log(open_ingest_app(storage), live_clock())
    log.configure(list(config.agents))
    app = create_app(
        log.recorder,
        token,
        max_body=max_body,
        max_items=settings.intake_max_items,
        exposure=exposure,
        report=report,
        decide=False,
        store=StoreHealth(),
    )
    mount_workers_refusal(app)
    return app, log.app, f"ingest log on {storage.location}"


def _report_kept_rules(tape: Tape, configs: Sequence[AgentConfig]) -> None:
    """Say which agents of the file kept the rules a command set over the API (the log is the
    truth for them: the file seeds only agents it never saw)."""
    from engine.handlers.admin import file_yields  # noqa: PLC0415

    for config in configs:
        agent = tape.engine.app.get_or_none(agent_uuid(config.name))
        if isinstance(agent, Agent) and file_yields(agent):
            file_rules = config.model_copy(update={"set_by": "api"}).to_record()
            if file_rules != agent.config_record:
                report(
                    f"agents.{config.name}: kept the rules set over the API, not the file's "
                    '(PATCH {"set_by": "file"} hands it back to the file)'
                )
