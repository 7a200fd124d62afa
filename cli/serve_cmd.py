"""``tape serve``: the engine behind an authenticated HTTP intake (FastAPI on uvicorn)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

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
from adapters.settings import TOKEN_ENV, Settings
from cli.context import claim_store, pass_settings
from cli.errors import TapeUsageError
from cli.projections_cmd import open_projector
from cli.scaleout_cmd import record_only_option
from engine.agents import Agent
from engine.commands import SetTradingState
from engine.config import AgentConfig
from engine.ids import agent_uuid
from engine.values import TradingState
from projections.queries import TrackedReadModels

if TYPE_CHECKING:
    from fastapi import FastAPI

    from adapters.api.context import ApiContext
    from adapters.config_file import TapeConfig
    from adapters.http_guard import Exposure
    from cli.notify_runner import RunningNotifier
    from engine.application import TapeApplication

LOOPBACK = "127.0.0.1"
DEFAULT_MAX_BODY = 1 << 20  # 1 MiB


def _report(message: str) -> None:
    click.echo(f"tape serve: {message}", err=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    app = create_app(tape.engine, token, max_body=max_body, report=_report, lock=lock, **intake)
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
            tape.engine, resolution_sources(settings.venue_environ), report=_report
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
    runner = MarketDataRunner(tape.engine, instruments, lock=lock, report=_report)
    _report(f"strategies: polling {len(instruments)} books every {every:g}s")
    running = start_in_thread(runner, every)
    app.state.strategies = running  # closed again, harmlessly, on every way out of serve
    app.router.on_shutdown.append(running.close)


def _one_process(
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
        _report(f"decided {recovery.decided} intent(s) received before the last stop")
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


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening from here on: the URL printed next takes connections at once (they wait in
        # the backlog until the server accepts them), rather than being refused until it starts.
        sock.listen(2048)
    except OSError as error:
        sock.close()
        raise TapeUsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    return sock


def _notifier(settings: Settings, app: FastAPI) -> RunningNotifier | None:
    """The notifier beside the engine, when a channel is configured (``[notify]``, Telegram's
    variables): on threads of its own, following the engine's log; a confirmed ``/halt`` is a
    command under the API's lock. A channel another ``tape notify`` holds is left to it."""
    from cli.notify_runner import start_notifier  # noqa: PLC0415

    ctx: ApiContext = app.state.api

    def switch(name: str, state: TradingState, reason: str) -> bool:
        return ctx.command(lambda e: bool(e.handle(SetTradingState(name, state, reason))))

    running = start_notifier(
        settings,
        [ctx.engine.app],
        settings.storage(),
        switch=switch,
        report=lambda line: _report(f"notify: {line}"),
        busy_channels="skip",
    )
    if running is not None:
        _report(f"notifying {running.names} (the notifier runs beside the engine)")
    return running


def _recording_only(
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
        report=_report,
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
                _report(
                    f"agents.{config.name}: kept the rules set over the API, not the file's "
                    '(PATCH {"set_by": "file"} hands it back to the file)'
                )


def _report_dashboard(host: str, port: int, token: str | None) -> None:
    fragment = f"#token={quote(token, safe='')}" if token else ""
    _report(f"dashboard: http://{host if ':' not in host else f'[{host}]'}:{port}/{fragment}")


@click.command()
@click.option("--host", default=LOOPBACK, show_default=True, help="Address to bind.")
@click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option(
    "--insecure-local",
    is_flag=True,
    help=f"Serve without ${TOKEN_ENV}: no auth, bound to 127.0.0.1 only.",
)
@click.option(
    "--max-body",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BODY,
    show_default=True,
    help="Largest request body in bytes (413 above).",
)
@click.option(
    "--allow-host",
    "allowed_names",
    multiple=True,
    help="A name clients reach this service by (Host and Origin), beyond the bound address; "
    "repeat for several.",
)
@click.option(
    "--open",
    "open_url",
    is_flag=True,
    help="Print the dashboard's URL with the token (in the #fragment: never sent or logged).",
)
@click.option(
    "--strategies",
    "strategies_every",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Also run the strategy agents live: poll the books they name every this many "
    "seconds (as `tape market-data` does, under the service's engine lock).",
)
@record_only_option
@click.option(
    "--resolutions",
    "resolve_interval",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Every S seconds, settle the markets held that ended (Gamma, Kalshi): off by default.",
)
@pass_settings
def serve(  # noqa: PLR0917 - click passes each option positionally
    settings: Settings,
    host: str,
    port: int,
    config_path: Path | None,
    insecure_local: bool,
    max_body: int,
    allowed_names: tuple[str, ...],
    open_url: bool,
    strategies_every: float | None,
    workers: int | None,
    resolve_interval: float | None,
) -> None:
    """Serve POST /intents (one intent or a batch, bearer token from $TAPE_API_TOKEN), the
    API under /api/v1, the dashboard at /, GET /health and /openapi.json. An intent is
    acknowledged only once it is recorded; every API write is an engine command.
    Only application/json bodies, only requests naming this service (Host) and from no
    other origin (Origin), in every mode."""
    token = settings.api_token.reveal() if settings.api_token is not None else None
    if token is None and not insecure_local:
        raise TapeUsageError(
            f"{TOKEN_ENV} is not set: set it, or pass --insecure-local to serve on "
            f"{LOOPBACK} without auth"
        )
    if token is None:
        if host != LOOPBACK and not _is_loopback(host):
            raise TapeUsageError(f"--insecure-local serves on {LOOPBACK} only, not on {host}")
        host = LOOPBACK
    # FastAPI and uvicorn load here, so that the other commands start fast.
    from adapters.api.app import WORKERS_REFUSAL  # noqa: PLC0415
    from adapters.http_guard import Exposure  # noqa: PLC0415
    from adapters.http_ingest import serve_app  # noqa: PLC0415

    config = settings.with_config(config_path).tape_config()
    exposure = Exposure.of(host, allowed_names)
    if workers is not None and open_url:
        raise TapeUsageError("--open: the dashboard is not served with --workers (see README)")
    if workers is not None:
        if strategies_every is not None:
            raise TapeUsageError("--strategies runs in the engine's process: not with --workers")
        app, app_store, where = _recording_only(settings, config, token, max_body, exposure)
        _report(f"recording only: {workers} `tape worker` processes decide; {WORKERS_REFUSAL}")
    else:
        app, app_store, where = _one_process(
            settings,
            config,
            token,
            max_body,
            exposure,
            resolve_interval=resolve_interval,
            strategies_every=strategies_every,
        )
    # The notifier starts before the socket is bound: a channel it cannot use stops the
    # command before it says it listens.
    running = None
    try:
        running = _notifier(settings.with_config(config_path), app) if workers is None else None
        sock = _bind(host, port)
        bound = sock.getsockname()[1]
        auth = "bearer token" if token else "NO AUTH (--insecure-local)"
        _report(f"listening on http://{host}:{bound} ({auth}; {where})")
        if open_url:
            _report_dashboard(host, bound, token)
        try:
            serve_app(app, sock)
        finally:
            sock.close()
    finally:
        if running is not None:
            _report(f"notifications stopped; {running.stop()}")
        if getattr(app.state, "strategies", None) is not None:
            app.state.strategies.close()
        app_store.close()
    _report("stopped")
