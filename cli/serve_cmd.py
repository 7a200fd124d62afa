"""``tape serve``: the engine behind an authenticated HTTP intake (FastAPI on uvicorn)."""

from __future__ import annotations

import ipaddress
import socket
from functools import partial
from pathlib import Path

import click

from adapters.bootstrap import build, ingest_log, live_clock, open_ingest_app, require_postgres
from adapters.settings import TOKEN_ENV, Settings
from cli.context import claim_store, pass_settings
from cli.errors import TapeUsageError
from cli.scaleout_cmd import record_only_option

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
@record_only_option
@pass_settings
def serve(  # noqa: PLR0917 - click passes each option positionally
    settings: Settings,
    host: str,
    port: int,
    config_path: Path | None,
    insecure_local: bool,
    max_body: int,
    allowed_names: tuple[str, ...],
    workers: int | None,
) -> None:
    """Serve POST /intents (one intent or a batch, bearer token from $TAPE_API_TOKEN),
    GET /health and /openapi.json. An intent is acknowledged only once it is recorded.
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
    from adapters.http_guard import Exposure  # noqa: PLC0415
    from adapters.http_ingest import create_app, serve_app  # noqa: PLC0415
    from adapters.store_health import StoreHealth  # noqa: PLC0415

    config = settings.with_config(config_path).tape_config()
    make_app = partial(
        create_app,
        max_body=max_body,
        max_items=settings.intake_max_items,
        exposure=Exposure.of(host, allowed_names),
        report=_report,
    )
    if workers is not None:
        storage = require_postgres(settings)
        log = ingest_log(open_ingest_app(storage), live_clock())
        log.configure(list(config.agents))
        engine, app_store, where = log.recorder, log.app, f"ingest log on {storage.location}"
        app = make_app(engine, token, decide=False, store=StoreHealth())
        _report(f"recording only: {workers} `tape worker` processes decide")
    else:
        claim_store(settings, "tape serve")
        tape = build(settings, config, clock=live_clock())
        tape.engine.register_agents(config.agents)
        recovery = tape.engine.recover()
        if recovery.decided:
            _report(f"decided {recovery.decided} intent(s) received before the last stop")
        app_store, where = tape.app, f"store {tape.storage.kind} {tape.storage.location}"
        path = Path(tape.storage.location) if tape.storage.kind == "sqlite" else None
        app = make_app(tape.engine, token, store=StoreHealth(path))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise TapeUsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
    bound = sock.getsockname()[1]
    auth = "bearer token" if token else "NO AUTH (--insecure-local)"
    _report(f"listening on http://{host}:{bound} ({auth}; {where})")
    try:
        serve_app(app, sock)
    finally:
        sock.close()
        app_store.close()
    _report("stopped")
