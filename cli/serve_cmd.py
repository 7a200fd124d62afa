"""``tape serve``: the engine behind an authenticated HTTP intake (FastAPI on uvicorn). The
command checks its options, builds the apps (``cli/serve_apps.py``), binds the socket
(``cli/serve_socket.py``) and serves until stopped."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import click

from adapters.settings import TOKEN_ENV, Settings
from cli.context import pass_settings
from cli.errors import TapeUsageError
from cli.scaleout_cmd import record_only_option
from cli.serve_apps import one_process, recording_only
from cli.serve_apps import report as _report
from cli.serve_socket import LOOPBACK, bind, listen_host
from engine.commands import SetTradingState
from engine.values import TradingState

if TYPE_CHECKING:
    from fastapi import FastAPI

    from adapters.api.context import ApiContext
    from cli.notify_runner import RunningNotifier

DEFAULT_MAX_BODY = 1 << 20  # 1 MiB


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
    host = listen_host(host, token, insecure_local=insecure_local)
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
        app, app_store, where = recording_only(settings, config, token, max_body, exposure)
        _report(f"recording only: {workers} `tape worker` processes decide; {WORKERS_REFUSAL}")
    else:
        app, app_store, where = one_process(
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
        sock = bind(host, port)
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
