"""The service (intake, API, dashboard) on a real store: the sample day's, or an empty one with
one agent; served in-process (FastAPI's test client) or with uvicorn on a loopback socket."""

from __future__ import annotations

import contextlib
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from click.testing import CliRunner
from fastapi import FastAPI

from adapters.bootstrap import Tape, build, live_clock
from adapters.config_file import config_from_toml
from adapters.sample_day.agents import DEMO_CONFIG_TOML
from adapters.settings import Settings
from cli.main import cli
from cli.serve_apps import service_app

TOKEN = "api-token-for-tests"  # noqa: S105 - a test token
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Service:
    """A served Tape: its FastAPI app, the wired engine and its settings."""

    app: FastAPI
    tape: Tape
    settings: Settings

    def close(self) -> None:
        """Close the store."""
        self.tape.app.close()


def run_demo(home: Path) -> Settings:
    """``tape demo`` into ``home``; the settings of that store."""
    settings = Settings.load({"TAPE_HOME": str(home)})
    result = CliRunner().invoke(cli, ["demo"], obj=settings)
    assert result.exit_code == 0, result.output
    return settings


def open_service(
    settings: Settings, toml: str = DEMO_CONFIG_TOML, token: str | None = TOKEN
) -> Service:
    """The service ``tape serve`` builds, on the settings' store with the agents of ``toml``."""
    config = config_from_toml(tomllib.loads(toml), source="test.toml")
    tape = build(settings, config, clock=live_clock())
    tape.engine.register_agents(config.agents)
    return Service(service_app(settings, tape, token, 1 << 20), tape, settings)


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, in a thread."""
    import socket  # noqa: PLC0415

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=2)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
