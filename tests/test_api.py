"""The HTTP API (``/api/v1`` in ``tape serve``): auth, every route, errors as JSON, the writes
as engine events that ``tape why`` explains, the reads equal to the CLI's, SSE, schemathesis."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from adapters.api.app import mount_service
from adapters.api.probes import VenueProbes
from adapters.api.reads import BUCKETS, bucketed
from adapters.http_ingest import create_app
from adapters.paper.venue import PaperVenues
from adapters.readstore import open_store
from adapters.replay.verify import verify
from adapters.settings import Settings
from adapters.venues.registry import venue_specs
from cli.main import cli
from engine.ports import VenueReport
from projections.queries import TrackedReadModels
from projections.tracking import Projector
from tests.api_rig import AUTH, TOKEN, Service, open_service, run_demo, serving
from tests.conftest import AGENT, VENUE, EngineRig, a_book, an_agent_config, an_intent, make_rig
from tests.fakes.venues import AcceptingVenue
from tests.test_http_ingest import TAPE, free_port, serve_env

BASE = "http://127.0.0.1"  # the loopback exposure the intake guards (Host)
API_ROUTES = [
    ("GET", "/api/v1/agents"),
    ("POST", "/api/v1/agents"),
    ("GET", f"/api/v1/agents/{AGENT}"),
    ("PATCH", f"/api/v1/agents/{AGENT}"),
    ("POST", f"/api/v1/agents/{AGENT}/activate"),
    ("POST", f"/api/v1/agents/{AGENT}/reduce"),
    ("POST", f"/api/v1/agents/{AGENT}/halt"),
    ("POST", f"/api/v1/agents/{AGENT}/follow"),
    ("POST", f"/api/v1/agents/{AGENT}/unfollow"),
    ("GET", "/api/v1/positions"),
    ("GET", "/api/v1/orders"),
    ("GET", "/api/v1/intents"),
    ("GET", "/api/v1/balances"),
    ("GET", "/api/v1/purchases"),
    ("GET", "/api/v1/why/x"),
    ("GET", "/api/v1/pnl"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/errors"),
    ("GET", "/api/v1/events"),
    ("POST", "/api/agent/register"),
    ("POST", "/api/agent/activate"),
    ("POST", "/api/agent/deactivate"),
    ("GET", f"/api/agent/status/{AGENT}"),
]


def rig_app(rig: EngineRig, token: str | None = TOKEN) -> FastAPI:
    """The intake with the API on a test engine (manual clock, paper venues with books)."""
    lock = threading.Lock()
    app = create_app(rig.engine, token, lock=lock)
    store = open_store("sqlite", str(rig.path), {})
    models = TrackedReadModels(Projector(rig.app, store))
    mount_service(
        app,
        rig.engine,
        token=token,
        lock=lock,
        read_models=models,
        logs=[rig.app],
        venue_environ={"POLYMARKET_PRIVATE_KEY": "0x" + "ab" * 32},
        # Probed without the key: a probe with it would reach Polymarket (no network in tests).
        probes=VenueProbes(venue_specs(), {}),
    )
    return app


@pytest.fixture
def engine_rig(tmp_path: Path) -> Iterator[EngineRig]:
    built = make_rig(tmp_path / "tape.db", agents=[])
    yield built
    built.app.close()


@pytest.fixture
def client(engine_rig: EngineRig) -> TestClient:
    return TestClient(rig_app(engine_rig), headers=AUTH, base_url=BASE)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = open_service(run_demo(tmp_path_factory.mktemp("demo")))
    yield service
    service.close()


def tape_json(settings: Settings, *args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--json"], obj=settings)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# -- auth ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_every_api_route_wants_the_bearer_token(
    engine_rig: EngineRig, method: str, path: str
) -> None:
    anonymous = TestClient(rig_app(engine_rig), base_url=BASE)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        answer = anonymous.request(method, path, headers=headers, json={})
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.json() == {"error": "missing or wrong bearer token"}
        assert answer.headers["www-authenticate"] == "Bearer"
    assert anonymous.get("/health").status_code == 200


def test_without_a_token_insecure_local_serves_every_route(engine_rig: EngineRig) -> None:
    open_client = TestClient(rig_app(engine_rig, token=None), base_url=BASE)
    assert open_client.get("/api/v1/agents").json() == []
    assert open_client.get("/").status_code == 200


# -- writes are engine commands --------------------------------------------------------------


def test_an_agent_registered_activated_and_halted_over_the_api_trades_and_stops(
    engine_rig: EngineRig, client: TestClient, tmp_path: Path
) -> None:
    rules = an_agent_config().to_record()
    created = client.post("/api/v1/agents", json=rules)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "ACTIVE"
    assert client.post("/api/v1/agents", json=rules).status_code == 409
    engine_rig.show_book(a_book())
    engine_rig.clock.set(engine_rig.clock.now().replace(minute=3, second=12))

    def send(intent_id: str) -> dict[str, Any]:
        assert client.post("/intents", json=an_intent(intent_id=intent_id)).status_code == 200
        return next(r for r in client.get("/api/v1/intents").json() if r["intent_id"] == intent_id)

    first = send("copy:1")
    assert first["verdict"] == "ACCEPTED"
    orders = client.get("/api/v1/orders", params={"agent": AGENT}).json()
    assert [o["status"] for o in orders] == ["FILLED"]
    assert client.get("/api/v1/positions").json()[0]["size"] == orders[0]["filled"]

    halted = client.post(f"/api/v1/agents/{AGENT}/halt", json={"reason": "enough"})
    assert (halted.json()["state"], halted.json()["reason"], halted.json()["changed"]) == (
        "HALTED",
        "enough",
        True,
    )
    assert client.post(f"/api/v1/agents/{AGENT}/halt", json={}).json()["changed"] is False
    second = send("copy:2")
    assert (second["verdict"], second["reason"]) == ("DENIED", "agent_state")

    assert client.post("/api/agent/activate", json={"agent_id": AGENT}).json()["state"] == "ACTIVE"
    assert send("copy:3")["verdict"] == "ACCEPTED"
    status = client.get(f"/api/agent/status/{AGENT}").json()
    assert status["trades_today"] == 2
    assert [d["intent_id"] for d in status["last_decisions"]] == ["copy:1", "copy:2", "copy:3"]

    names = [type(e).__name__ for e in engine_rig.events()]
    assert names.count("AgentRegistered") == 1
    assert names.count("TradingStateChanged") == 2
    # tape why explains the API agent's order, from the same store
    cli_settings = Settings.load({"TAPE_HOME": str(tmp_path)})
    trail = tape_json(cli_settings, "why", orders[0]["order_id"])
    assert trail["intent_id"] == "copy:1"
    assert trail == client.get(f"/api/v1/why/{orders[0]['order_id']}").json()


def test_patch_changes_the_rules_as_an_event(engine_rig: EngineRig, client: TestClient) -> None:
    client.post("/api/v1/agents", json=an_agent_config().to_record())
    changed = client.patch(f"/api/v1/agents/{AGENT}", json={"max_trades_per_day": 3})
    assert changed.status_code == 200, changed.text
    assert changed.json()["limits"]["max_trades_per_day"] == 3
    assert "AgentConfigChanged" in [type(e).__name__ for e in engine_rig.events()]
    assert client.patch(f"/api/v1/agents/{AGENT}", json={"name": "x"}).status_code == 422
    assert client.patch("/api/v1/agents/nobody", json={}).status_code == 404


def test_the_alias_register_takes_agent_id_and_deactivate_halts(client: TestClient) -> None:
    body = {**an_agent_config().to_record(), "agent_id": "alias"}
    del body["name"]
    assert client.post("/api/agent/register", json=body).status_code == 201
    assert client.post("/api/agent/deactivate", json={"agent_id": "alias"}).json()["state"] == (
        "HALTED"
    )


# -- errors ----------------------------------------------------------------------------------


def test_bad_input_is_a_json_4xx_with_a_reason(client: TestClient) -> None:
    cases = [
        client.post(
            "/api/v1/agents", content=b"{not json", headers={"content-type": "application/json"}
        ),
        client.post("/api/v1/agents", json=[1, 2]),
        client.post("/api/v1/agents", json={"name": "a", "max_trades_per_day": -1}),
        client.post("/api/v1/agents", json={"venues": ["polymarket"]}),
        client.get("/api/v1/orders", params={"limit": 0}),
        client.get("/api/v1/orders", params={"since": "yesterday"}),
        client.get("/api/v1/orders", params={"since": "2026-01-02", "until": "2026-01-01"}),
        client.get("/api/v1/intents", params={"denied": "true", "status": "ACCEPTED"}),
        client.get("/api/v1/pnl", params={"bucket": "7m"}),
        client.get("/api/v1/why/nothing-like-it"),
        client.post("/api/v1/agents/nobody/halt", json={}),
        client.get("/api/agent/status/nobody"),
        client.post("/api/agent/activate", json={}),
    ]
    for answer in cases:
        assert 400 <= answer.status_code < 500, answer.text
        assert set(answer.json()) == {"error"}
        assert answer.json()["error"]


def test_no_route_accepts_a_key_and_the_refusal_does_not_repeat_it(
    client: TestClient,
) -> None:
    secret = "0x" + "cd" * 32
    for field in ("private_key", "POLYMARKET_PRIVATE_KEY", "api_secret", "passphrase"):
        answer = client.post("/api/v1/agents", json={"name": "k", field: secret})
        assert answer.status_code == 422
        assert "credentials are never accepted" in answer.json()["error"]
        assert secret not in answer.text
    client.post("/api/v1/agents", json=an_agent_config().to_record())
    assert client.patch(f"/api/v1/agents/{AGENT}", json={"private_key": secret}).status_code == 422


def test_health_says_which_keys_are_present_never_their_values(client: TestClient) -> None:
    health = client.get("/api/v1/health")
    assert health.status_code == 200
    assert "ab" * 32 not in health.text
    venues = {v["venue"]: v for v in health.json()["venues"]}
    assert venues["polymarket"]["keys_present"]["POLYMARKET_PRIVATE_KEY"] is True
    assert venues["polymarket"]["has_key"] is True
    assert venues["kalshi"]["has_key"] is False


# -- reads equal the CLI's -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "command"),
    [
        ("/api/v1/positions", ["positions"]),
        ("/api/v1/positions?all=true", ["positions", "--all"]),
        ("/api/v1/orders?agent=tiered", ["orders", "--agent", "tiered"]),
        ("/api/v1/intents?denied=true", ["intents", "--denied"]),
        ("/api/v1/balances", ["balances"]),
        ("/api/v1/purchases?status=closed", ["purchases", "--status", "closed"]),
    ],
)
def test_the_api_reads_what_the_cli_reads_on_the_sample_day(
    demo: Service, route: str, command: list[str]
) -> None:
    api_rows = TestClient(demo.app, headers=AUTH, base_url=BASE).get(route).json()
    assert api_rows, route
    assert api_rows == tape_json(demo.settings, *command)


def test_the_sample_day_agents_pnl_and_errors(demo: Service) -> None:
    client = TestClient(demo.app, headers=AUTH, base_url=BASE)
    agents = client.get("/api/v1/agents").json()
    assert {a["name"] for a in agents} == {"follow-whales", "tiered", "tight-risk"}
    pnl = client.get("/api/v1/pnl", params={"bucket": "1h"}).json()
    assert pnl["day"] == "2026-01-30"
    assert set(pnl["series"]) == {a["name"] for a in agents}
    raw = client.get("/api/v1/pnl").json()["series"]
    for name, points in pnl["series"].items():
        assert points[-1][1] == raw[name][-1][1]  # the last bucket ends where the day ends
    errors = client.get("/api/v1/errors").json()
    assert [e["event"] for e in errors] == ["InputDenied", "InputDenied"]
    denied = client.get("/api/v1/intents", params={"denied": "true", "limit": 1}).json()[0]
    assert (
        client.get(f"/api/v1/why/{denied['intent_id']}").json()["intent_id"] == denied["intent_id"]
    )


# -- over a real socket: SSE and schemathesis -------------------------------------------------


def test_the_event_stream_sends_each_new_event(engine_rig: EngineRig) -> None:
    with serving(rig_app(engine_rig)) as url:
        httpx.post(f"{url}/api/v1/agents", json=an_agent_config().to_record(), headers=AUTH)
        with httpx.stream("GET", f"{url}/api/v1/events", headers=AUTH, timeout=10) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            httpx.post(f"{url}/api/v1/agents/{AGENT}/halt", headers=AUTH, json={})
            seen = []
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    seen.append(json.loads(line[5:]))
                    break
        assert seen[0]["event"] == "TradingStateChanged"
        assert seen[0]["state"] == "HALTED"
        replay = httpx.stream("GET", f"{url}/api/v1/events?after=0", headers=AUTH, timeout=10)
        with replay as again:
            first = next(line for line in again.iter_lines() if line.startswith("data:"))
        assert json.loads(first[5:])["event"] == "AgentRegistered"


def test_schemathesis_finds_no_server_error_on_the_api(demo: Service) -> None:
    with serving(demo.app) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json")
        session = requests.Session()
        operations = [
            (path, method.upper())
            for path, methods in schema.raw_schema["paths"].items()
            for method in methods
            if path.startswith("/api/") and not path.endswith("/events")
        ]
        assert len(operations) == len(API_ROUTES) - 1
        for path, method in operations:
            for mode, examples in ((GenerationMode.POSITIVE, 12), (GenerationMode.NEGATIVE, 8)):

                @given(case=schema[path][method].as_strategy(generation_mode=mode))
                @settings(
                    max_examples=examples,
                    deadline=None,
                    suppress_health_check=list(HealthCheck),
                    database=None,
                )
                def check(case: Any) -> None:
                    case.call_and_validate(
                        base_url=url, session=session, headers=AUTH, checks=[not_a_server_error]
                    )

                try:
                    check()
                except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
                    assert mode == GenerationMode.NEGATIVE


class CancellingVenue(AcceptingVenue):
    """Rests every order, and cancels one when asked."""

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Closed, nothing filled."""
        return VenueReport(
            client_order_id=client_order_id,
            accepted=True,
            venue_order_id="rest-1",
            closed=True,
            close_reason="canceled on request",
        )


def test_halt_cancels_the_agents_resting_orders(tmp_path: Path) -> None:
    paper = PaperVenues()
    rig = make_rig(
        tmp_path / "tape.db", agents=[], venues={VENUE: CancellingVenue()}, market_data=paper
    )
    try:
        client = TestClient(rig_app(rig), headers=AUTH, base_url=BASE)
        client.post("/api/v1/agents", json=an_agent_config().to_record())
        paper[VENUE].on_book(a_book())
        rig.clock.set(rig.clock.now().replace(minute=3, second=12))
        assert client.post("/intents", json=an_intent()).status_code == 200
        assert [o["status"] for o in client.get("/api/v1/orders").json()] == ["ACCEPTED"]
        halted = client.post(f"/api/v1/agents/{AGENT}/halt", json={}).json()
        assert halted["canceled"] == {"canceled": 1}
        assert [o["status"] for o in client.get("/api/v1/orders").json()] == ["CANCELED"]
        assert client.post(f"/api/v1/agents/{AGENT}/halt", json={}).json()["canceled"] == {}
        # what the API did replays byte for byte (registration, switch and cancel included)
        assert verify(rig.app).ok
    finally:
        rig.app.close()


def test_tape_serve_open_prints_the_dashboard_url_with_the_token(tmp_path: Path) -> None:
    run_demo(tmp_path)
    port = free_port()
    process = subprocess.Popen(  # the real command, in its own process
        [*TAPE, "serve", "--port", str(port), "--config", str(tmp_path / "demo.toml"), "--open"],
        env=serve_env(tmp_path, TAPE_API_TOKEN=TOKEN),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines = iter(process.stderr.readline, "")
        url = next(line for line in lines if "dashboard:" in line).split("dashboard: ")[1].strip()
        assert url == f"http://127.0.0.1:{port}/#token={TOKEN}"
        assert "Tape" in httpx.get(url.split("#")[0]).text
        agents = httpx.get(f"http://127.0.0.1:{port}/api/v1/agents", headers=AUTH).json()
        assert {a["name"] for a in agents} == {"follow-whales", "tiered", "tight-risk"}
    finally:
        process.kill()
        process.wait(timeout=10)


@given(
    steps=st.lists(
        st.tuples(st.integers(0, 7200), st.integers(-10_000, 10_000)), min_size=1, max_size=40
    ),
    bucket=st.sampled_from(["1m", "5m", "15m", "1h", "1d"]),
)
def test_a_bucketed_series_is_the_pnl_as_it_stood_at_each_bucket_end(
    steps: list[tuple[int, int]], bucket: str
) -> None:
    start = datetime(2026, 1, 30, 14, 0, 7, tzinfo=UTC)
    moments = sorted({s for s, _ in steps})
    points = [
        (start + timedelta(seconds=s), Decimal(v) / 100)
        for s, (_, v) in zip(moments, steps, strict=False)
    ]
    out = bucketed(points, BUCKETS[bucket])
    ends = [t for t, _ in out]
    assert ends == sorted(set(ends))
    assert out[-1][1] == points[-1][1]
    for end, value in out:
        assert int(end.timestamp()) % BUCKETS[bucket] == 0
        assert value == [v for t, v in points if t <= end][-1]


def test_following_a_wallet_over_the_api_is_a_recorded_change(
    engine_rig: EngineRig, client: TestClient
) -> None:
    client.post("/api/v1/agents", json=an_agent_config(follow=[]).to_record())
    wallet = "0x" + "cd" * 20
    answer = client.post(f"/api/v1/agents/{AGENT}/follow", json={"wallet": wallet})
    assert answer.status_code == 200, answer.text
    assert answer.json()["changed"] is True
    assert answer.json()["limits"]["follow"] == [wallet]
    again = client.post(f"/api/v1/agents/{AGENT}/follow", json={"wallet": wallet.upper()[2:]})
    assert again.status_code == 422
    gone = client.post(f"/api/v1/agents/{AGENT}/unfollow", json={"wallet": wallet})
    assert gone.json()["limits"]["follow"] == []
    assert client.post("/api/v1/agents/nobody/follow", json={"wallet": wallet}).status_code == 404
    names = [type(e).__name__ for e in engine_rig.events()]
    assert names.count("AgentConfigChanged") == 2
