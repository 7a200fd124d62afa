"""Venue connectivity on ``/api/v1/health`` is probed by each venue's own health check, in the
background and cached, never inferred and never on the request's path."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Mapping
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.api.app import mount_service
from adapters.api.probes import VenueProbes
from adapters.http_ingest import create_app
from adapters.paper.spec import SPEC as PAPER
from adapters.readstore import open_store
from adapters.venues.spec import Check, VenueSpec
from projections.queries import TrackedReadModels
from projections.tracking import Projector
from tests.api_rig import AUTH, TOKEN
from tests.conftest import EngineRig, an_agent_config, make_rig
from tests.fakes.loopback import JsonHandler
from tests.test_api import BASE
from tests.test_http_ingest import free_port
from tests.waiting import wait_until


class _Health(JsonHandler):
    def serve(self, method: str) -> None:
        self.send_json(200, {"status": "ok"})


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[EngineRig]:
    built = make_rig(tmp_path / "tape.db", agents=[an_agent_config()])
    yield built
    built.app.close()


def _client(rig: EngineRig, probes: VenueProbes) -> TestClient:
    lock = threading.Lock()
    app = create_app(rig.engine, TOKEN, lock=lock)
    models = TrackedReadModels(Projector(rig.app, open_store("sqlite", str(rig.path), {})))
    mount_service(
        app,
        rig.engine,
        token=TOKEN,
        lock=lock,
        read_models=models,
        logs=[rig.app],
        venue_environ={},
        probes=probes,
    )
    return TestClient(app, headers=AUTH, base_url=BASE)


def _venue(client: TestClient, name: str) -> dict[str, Any]:
    answer = client.get("/api/v1/health")
    assert answer.status_code == 200, answer.text
    return next(v for v in answer.json()["venues"] if v["venue"] == name)


def test_a_paper_venue_process_is_probed_down_then_up(rig: EngineRig) -> None:
    port = free_port()
    probes = VenueProbes([PAPER], {"TAPE_PAPER_URL": f"http://127.0.0.1:{port}"}, ttl_s=0.05)
    client = _client(rig, probes)
    try:
        wait_until(lambda: _venue(client, "paper")["connected"] is False)  # starts probing
        down = _venue(client, "paper")
        assert "unreachable" in down["probe"]
        server = ThreadingHTTPServer(("127.0.0.1", port), _Health)  # the venue comes up
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}).start()
        try:
            wait_until(lambda: _venue(client, "paper")["connected"] is True)
            assert "answers" in _venue(client, "paper")["probe"]
        finally:
            server.shutdown()
            server.server_close()
    finally:
        probes.stop()


def test_a_hanging_probe_never_holds_a_request(rig: EngineRig) -> None:
    release = threading.Event()

    def hang(environ: Mapping[str, str], **_: Any) -> Iterator[Check]:
        release.wait(30)
        yield Check("venue", True, "answered at last")

    stuck = VenueSpec(name="stuck", instruments=PAPER.instruments, health=hang)
    probes = VenueProbes([stuck], {}, ttl_s=60)
    client = _client(rig, probes)
    try:
        started = time.monotonic()
        answer = client.get("/api/v1/health")
        assert time.monotonic() - started < 5
        venue = next(v for v in answer.json()["venues"] if v["venue"] == "paper")
        assert venue["connected"] is None
        assert venue["probe"] == "not probed yet"
        release.set()
        wait_until(lambda: probes.rounds >= 1)
        assert probes.result("stuck")["connected"] is True
    finally:
        release.set()
        probes.stop()


def test_a_probe_that_raises_is_a_failed_probe_naming_only_the_type() -> None:
    def broken(environ: Mapping[str, str], **_: Any) -> Iterator[Check]:
        raise RuntimeError("0xsecret-ish detail")
        yield  # pragma: no cover

    probes = VenueProbes([VenueSpec(name="x", instruments=PAPER.instruments, health=broken)], {})
    probes.probe_all()
    result = probes.result("x")
    probes.stop()
    assert result["connected"] is False
    assert result["detail"] == "probe failed: RuntimeError"


def test_a_venue_with_nothing_to_reach_says_so() -> None:
    probes = VenueProbes([PAPER], {})
    probes.probe_all()
    probes.stop()
    assert probes.result("paper")["connected"] is None
