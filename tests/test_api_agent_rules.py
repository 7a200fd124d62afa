"""Agents over the API: where their keys are (names only, never a value, in no answer), and
whose rules win after a restart (the log's once a command set them; ``tape.toml`` seeds only
agents it never saw)."""

from __future__ import annotations

import contextlib
import string
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.api.app import WORKERS_REFUSAL, mount_workers_refusal
from adapters.config_file import ConfigError, config_from_toml
from adapters.http_ingest import create_app
from engine.commands import RegisterAgents
from engine.ids import agent_uuid
from tests.api_rig import AUTH
from tests.conftest import AGENT, EngineRig, an_agent_config, make_rig
from tests.test_api import BASE, rig_app
from tests.test_http_ingest import TAPE, free_port, serve_env, serve_process
from tests.test_http_ingest import TOKEN as SERVE_TOKEN
from tests.waiting import wait_until

KEY = "0x" + "ab" * 32  # the private key in the service's environment (rig_app)
NEW_AGENT = {"name": "api-agent", "venues": ["polymarket"], "keys": "env:POLYMARKET_*"}
GET_ROUTES = [
    "/api/v1/agents",
    "/api/v1/agents/api-agent",
    "/api/agent/status/api-agent",
    "/api/v1/health",
    "/api/v1/positions",
    "/api/v1/orders",
    "/api/v1/errors",
    "/openapi.json",
]


@pytest.fixture
def engine_rig(tmp_path: Path) -> Iterator[EngineRig]:
    built = make_rig(tmp_path / "tape.db", agents=[an_agent_config()])
    yield built
    built.app.close()


@pytest.fixture
def client(engine_rig: EngineRig) -> TestClient:
    return TestClient(rig_app(engine_rig), headers=AUTH, base_url=BASE)


def test_an_agent_names_where_its_keys_are_and_no_answer_holds_a_key(
    engine_rig: EngineRig, client: TestClient
) -> None:
    made = client.post("/api/v1/agents", json=NEW_AGENT)
    assert made.status_code == 201, made.text
    keys = made.json()["keys"]
    assert keys["source"] == "env:POLYMARKET_*"
    assert keys["variables"]["POLYMARKET_PRIVATE_KEY"] is True  # set, shown as a boolean
    assert keys["variables"]["POLYMARKET_API_SECRET"] is False
    assert keys["venues_with_key"] == ["polymarket"]
    changed = client.patch("/api/v1/agents/api-agent", json={"keys": "env:POLYMARKET_API_*"})
    assert changed.status_code == 200, changed.text
    assert set(changed.json()["keys"]["variables"]) == {
        "POLYMARKET_API_KEY",
        "POLYMARKET_API_SECRET",
        "POLYMARKET_API_PASSPHRASE",
    }
    assert changed.json()["keys"]["venues_with_key"] == []  # the signing key is not named
    for route in GET_ROUTES:
        answer = client.get(route)
        assert answer.status_code == 200, (route, answer.text)
        assert KEY not in answer.text, route
        assert KEY[2:] not in answer.text, route


def test_keys_that_name_nothing_of_the_agents_venues_are_refused(client: TestClient) -> None:
    answer = client.post("/api/v1/agents", json={**NEW_AGENT, "keys": "env:KALSHI_*"})
    assert answer.status_code == 422
    assert "names no variable of its venues" in answer.json()["error"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(secret=st.text(string.ascii_letters + string.digits + "+/=_-:", min_size=12, max_size=90))
def test_a_key_pasted_into_keys_is_refused_without_repeating_it(
    client: TestClient, secret: str
) -> None:
    for value in (secret, "0x" + secret.encode().hex()):
        if value.startswith("env:"):
            continue
        for method, path in (("POST", "/api/v1/agents"), ("PATCH", f"/api/v1/agents/{AGENT}")):
            body = {**NEW_AGENT, "keys": value} if method == "POST" else {"keys": value}
            answer = client.request(method, path, json=body)
            assert answer.status_code in (404, 422), answer.text
            assert value not in answer.text


def test_a_file_seeds_an_agent_but_leaves_rules_a_command_set(engine_rig: EngineRig) -> None:
    engine = engine_rig.engine
    engine.register_agents([an_agent_config(max_trades_per_day=3)])
    from_api = an_agent_config(max_trades_per_day=7, set_by="api")
    engine.handle(RegisterAgents((from_api,), by_command=True))
    engine.register_agents([an_agent_config(max_trades_per_day=9)])  # the file, next start
    agent = engine_rig.app.repository.get(agent_uuid(AGENT))
    assert agent.config.max_trades_per_day == 7
    assert agent.config.set_by == "api"
    handed_back = an_agent_config(max_trades_per_day=7, set_by="file")
    engine.handle(RegisterAgents((handed_back,), by_command=True))
    engine.register_agents([an_agent_config(max_trades_per_day=9)])
    assert engine_rig.app.repository.get(agent_uuid(AGENT)).config.max_trades_per_day == 9


def test_defaults_leave_the_stored_record_as_before() -> None:
    record = an_agent_config().to_record()
    assert "keys" not in record
    assert "set_by" not in record


TOML = """
[agents.from-file]
strategy = "copy"
venues = ["polymarket"]
max_trades_per_day = 5
"""


def _agents(port: int) -> dict[str, dict[str, object]]:
    auth = {"Authorization": f"Bearer {SERVE_TOKEN}"}
    answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/agents", headers=auth)
    assert answer.status_code == 200, answer.text
    return {a["name"]: a for a in answer.json()}


@contextlib.contextmanager
def _serving(home: Path, port: int, config: Path) -> Iterator[Path]:
    """``tape serve`` in its own process, up when yielded, its stderr in the file yielded."""
    said = home / f"serve-{port}.err"
    with said.open("w") as err:
        process = subprocess.Popen(
            [*TAPE, "serve", "--port", str(port), "--config", str(config)],
            env=serve_env(home, TAPE_API_TOKEN=SERVE_TOKEN),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        wait_until(lambda: "listening on" in said.read_text(), timeout=30)
        wait_until(lambda: _up(port), timeout=30)
        yield said
    finally:
        process.kill()
        process.wait(timeout=10)


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health").is_success
    except httpx.HTTPError:
        return False


def test_agents_changed_over_the_api_survive_a_restart_of_tape_serve(tmp_path: Path) -> None:
    config = tmp_path / "tape.toml"
    config.write_text(TOML, encoding="utf-8")
    auth = {"Authorization": f"Bearer {SERVE_TOKEN}"}
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/agents"
    with serve_process(tmp_path, port, config):
        assert httpx.patch(
            f"{url}/from-file", headers=auth, json={"max_trades_per_day": 2}
        ).is_success
        made = httpx.post(url, headers=auth, json={"name": "from-api", "venues": ["paper"]})
        assert made.status_code == 201, made.text
        assert httpx.post(f"{url}/from-api/halt", headers=auth, json={}).is_success
    with _serving(tmp_path, port, config) as said:  # the same tape.toml: its 5 must not win
        agents = _agents(port)
        assert "tape serve: agents.from-file: kept the rules set over the API" in said.read_text()
        assert agents["from-file"]["limits"]["max_trades_per_day"] == 2  # type: ignore[index]
        assert agents["from-file"]["set_by"] == "api"
        assert agents["from-api"]["state"] == "HALTED"
        back = httpx.patch(f"{url}/from-file", headers=auth, json={"set_by": "file"})
        assert back.is_success, back.text
    with serve_process(tmp_path, port, config):  # handed back: the file's rules again
        assert _agents(port)["from-file"]["limits"]["max_trades_per_day"] == 5  # type: ignore[index]


def test_with_workers_the_api_and_page_refuse_in_one_line_and_the_intake_stays(
    engine_rig: EngineRig,
) -> None:
    app = create_app(engine_rig.engine, SERVE_TOKEN)
    mount_workers_refusal(app)
    client = TestClient(app, base_url=BASE)
    for method, path in (("GET", "/"), ("GET", "/api/v1/agents"), ("POST", "/api/agent/register")):
        answer = client.request(method, path, json={})
        assert answer.status_code == 503
        assert answer.json() == {"error": WORKERS_REFUSAL}
    assert client.get("/health").status_code == 200
    assert "/api/v1/agents" not in client.get("/openapi.json").text


def test_serve_open_with_workers_is_refused_in_one_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [*TAPE, "serve", "--insecure-local", "--workers", "2", "--open"],
        env=serve_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "tape: --open: the dashboard is not served with --workers (see README)"
    ]


def test_tape_toml_checks_keys_in_one_line_that_never_repeats_a_key() -> None:
    def problem(table: dict[str, object]) -> str:
        with pytest.raises(ConfigError) as raised:
            config_from_toml({"agents": {"a": table}}, source="tape.toml")
        return str(raised.value)

    pasted = "0x" + "cd" * 32
    said = problem({"venues": ["polymarket"], "keys": pasted})
    assert said.startswith("tape.toml: agents.a: keys: must name environment variables")
    assert pasted not in said
    assert problem({"venues": ["paper"], "keys": "env:POLYMARKET_*"}) == (
        "tape.toml: agents.a: keys: env:POLYMARKET_* names no variable of its venues (paper)"
    )
    assert "set_by: unknown field" in problem({"set_by": "api"})
    fine = config_from_toml(
        {"agents": {"a": {"venues": ["kalshi"], "keys": "env:KALSHI_API_KEY_ID"}}}, source="t"
    )
    assert fine.agents[0].keys == "env:KALSHI_API_KEY_ID"
