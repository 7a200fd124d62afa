"""``tape serve``: HTTP intake with a real HTTP client against uvicorn on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from adapters.http_ingest import create_app
from cli.errors import TapeUsageError
from cli.main import cli
from engine.application import TapeApplication
from engine.feeds import Feed
from engine.ids import intent_uuid
from engine.intents import Intent
from tests.conftest import EngineRig, an_intent, make_rig, sqlite_env, stored_events
from tests.fake_data_api import KCH123, fixture_api, serve_fake

TOKEN = "s3cret-token-for-tests"  # noqa: S105 - a test token
AUTH = {"Authorization": f"Bearer {TOKEN}"}
REPO = Path(__file__).resolve().parent.parent
TAPE = [sys.executable, "-m", "cli.main"]
CONFIG_TOML = f"""
[agents.follow-whales]
strategy = "copy"
venues = ["polymarket"]
follow = ["0xa66790e2b0075e73c3781ddaf1d0b875a3aaceb3", "{KCH123}"]
sizing = {{ mode = "PERCENTAGE", value = "10" }}
max_intent_usdc = "100"
max_intent_age_s = 120
max_slippage_pct = "2"
max_position_usdc = "500"
max_trades_per_day = 50
stop_loss_usdc = "200"
budget_usdc = "1000"
"""


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
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


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[EngineRig]:
    """An engine on a SQLite file in tmp_path."""
    built = make_rig(tmp_path / "tape.db")
    yield built
    built.app.close()


@pytest.fixture
def api(rig: EngineRig) -> Iterator[str]:
    """The intake app for the rig's engine, served on loopback; its base URL."""
    with serving(create_app(rig.engine, TOKEN, max_body=64 * 1024)) as url:
        yield url


def event_count(app: TapeApplication) -> int:
    """How many events the store holds."""
    return int(app.recorder.max_notification_id() or 0)


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> requests.Response:
    """POST a JSON body (or raw bytes) to /intents with the token."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(
        f"{url}/intents",
        data=data,
        headers={"Content-Type": "application/json", **(AUTH if headers is None else headers)},
        timeout=10,
    )


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    """Poll until the predicate holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_valid_batch_gets_one_received_receipt_per_intent_and_is_decided(
    rig: EngineRig, api: str
) -> None:
    batch = [an_intent(intent_id=f"copy:0xab:{n}:BUY") for n in range(3)]
    response = post(api, batch)
    assert response.status_code == 200
    assert response.json() == [
        {"intent_id": f"copy:0xab:{n}:BUY", "status": "received", "reason": None} for n in range(3)
    ]
    for n in range(3):  # acknowledged means recorded
        assert rig.app.repository.get(intent_uuid(f"copy:0xab:{n}:BUY")).intent_id
    wait_until(
        lambda: all(
            rig.app.repository.get(intent_uuid(f"copy:0xab:{n}:BUY")).decided for n in range(3)
        )
    )
    single = post(api, an_intent(intent_id="copy:0xab:one:BUY"))  # one object, not a list
    assert single.json() == [
        {"intent_id": "copy:0xab:one:BUY", "status": "received", "reason": None}
    ]


def test_a_redelivered_intent_is_a_duplicate_recorded_and_never_traded_twice(
    rig: EngineRig, api: str
) -> None:
    intent = an_intent(intent_id="copy:0xdd:1:BUY")
    assert post(api, intent).json()[0]["status"] == "received"
    again = post(api, [intent, intent])
    assert [r["status"] for r in again.json()] == ["duplicate", "duplicate"]
    names = [type(e).__name__ for e in stored_events(rig.app)]
    assert names.count("IntentReceived") == 1
    assert names.count("IntentRedelivered") == 2
    assert names.count("IntentAccepted") + names.count("IntentDenied") <= 1


def test_malformed_json_is_a_400_and_is_recorded_as_a_rejected_input(
    rig: EngineRig, api: str
) -> None:
    response = post(api, b'[{"intent_id": "x", ')
    assert response.status_code == 400
    assert response.json()["error"].startswith("malformed JSON: ")
    rejected = [e for e in stored_events(rig.app) if isinstance(e, Feed.InputDenied)]
    assert len(rejected) == 1
    assert rejected[0].reason.startswith("malformed JSON")


def test_an_unknown_field_or_a_wrong_type_is_invalid_and_the_batch_goes_on(
    rig: EngineRig, api: str
) -> None:
    unknown = an_intent(intent_id="copy:0xee:1:BUY", colour="red")
    wrong_type = an_intent(intent_id="copy:0xee:2:BUY", price=0.52)  # a float, not a string
    good = an_intent(intent_id="copy:0xee:3:BUY")
    response = post(api, [unknown, wrong_type, good, 42])
    assert response.status_code == 200
    receipts = response.json()
    assert [(r["intent_id"], r["status"]) for r in receipts] == [
        ("copy:0xee:1:BUY", "invalid"),
        ("copy:0xee:2:BUY", "invalid"),
        ("copy:0xee:3:BUY", "received"),
        (None, "invalid"),
    ]
    assert receipts[0]["reason"] == "item 1 of 4: colour: unknown field"
    assert receipts[1]["reason"] == 'item 2 of 4: price: must be a decimal string such as "0.52"'
    assert receipts[3]["reason"] == "item 4 of 4: an intent must be a JSON object"
    assert rig.app.get_or_none(intent_uuid("copy:0xee:1:BUY")) is None
    rejected = [e for e in stored_events(rig.app) if isinstance(e, Feed.InputDenied)]
    assert [e.reason for e in rejected] == [receipts[i]["reason"] for i in (0, 1, 3)]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN}x"},
    ],
    ids=["no token", "wrong token", "wrong scheme", "token prefix"],
)
def test_no_token_or_a_wrong_token_is_a_401_and_nothing_is_recorded(
    rig: EngineRig, api: str, headers: dict[str, str]
) -> None:
    before = event_count(rig.app)
    response = post(api, [an_intent(intent_id="copy:0xff:1:BUY"), b"junk".decode()], headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert event_count(rig.app) == before
    assert rig.app.get_or_none(intent_uuid("copy:0xff:1:BUY")) is None


def test_a_body_over_the_limit_is_a_413_and_nothing_is_recorded(rig: EngineRig, api: str) -> None:
    before = event_count(rig.app)
    big = [an_intent(intent_id=f"copy:0x01:{n}:BUY") for n in range(400)]  # ~130 KB > 64 KiB
    response = post(api, big)
    assert response.status_code == 413
    chunked = requests.post(  # no Content-Length: counted while reading
        f"{api}/intents",
        data=iter([json.dumps(big).encode()[i : i + 8192] for i in range(0, 140_000, 8192)]),
        headers={"Content-Type": "application/json", **AUTH},
        timeout=10,
    )
    assert chunked.status_code == 413
    assert event_count(rig.app) == before


def test_health_and_the_openapi_document(api: str) -> None:
    assert requests.get(f"{api}/health", timeout=5).json() == {"status": "ok"}
    document = requests.get(f"{api}/openapi.json", timeout=5).json()
    post_op = document["paths"]["/intents"]["post"]
    assert post_op["security"] == [{"bearer": []}]
    assert set(post_op["responses"]) >= {"200", "400", "401", "413"}
    intent_schema = document["components"]["schemas"]["TradeIntent"]
    assert intent_schema["additionalProperties"] is False


def test_schemathesis_finds_no_server_error(rig: EngineRig, api: str) -> None:
    schema = schemathesis.openapi.from_url(f"{api}/openapi.json")
    runs = [
        ("/intents", "POST", GenerationMode.POSITIVE, 50),
        ("/intents", "POST", GenerationMode.NEGATIVE, 30),
        ("/health", "GET", GenerationMode.POSITIVE, 5),
    ]
    session = requests.Session()
    for path, method, mode, examples in runs:

        @given(case=schema[path][method].as_strategy(generation_mode=mode))
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case: Any) -> None:
            case.call_and_validate(
                base_url=api, session=session, headers=AUTH, checks=[not_a_server_error]
            )

        check()


# -- the serve process ----------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``tape`` process with its store under ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAPE_", "POLYMARKET_"))}
    env.update({"TAPE_HOME": str(home), "PYTHONPATH": str(REPO), **extra})
    return env


@contextlib.contextmanager
def serve_process(home: Path, port: int, config: Path) -> Iterator[subprocess.Popen[str]]:
    """``tape serve`` in its own process, up (health answers) when yielded; killed after."""
    process = subprocess.Popen(
        [*TAPE, "serve", "--port", str(port), "--config", str(config)],
        env=serve_env(home, TAPE_API_TOKEN=TOKEN),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "tape serve exited"
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).ok:
                    break
            assert time.monotonic() < deadline, "tape serve did not come up"
            time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def stored_intents(db: Path) -> dict[str, Any]:
    """intent_id -> Intent aggregate, for every intent in a store file."""
    app = TapeApplication(env=sqlite_env(db))
    try:
        return {
            e.intent_id: app.repository.get(e.originator_id)
            for e in stored_events(app)
            if isinstance(e, Intent.IntentReceived)
        }
    finally:
        app.close()


def count_received(db: Path) -> int:
    """How many intents a store file holds (a light read, for polling)."""
    with sqlite3.connect(db, timeout=5) as conn:
        try:
            (count,) = conn.execute(
                "SELECT COUNT(*) FROM stored_events WHERE topic LIKE '%IntentReceived'"
            ).fetchone()
        except sqlite3.OperationalError:
            return 0
    return int(count)


def test_serve_refuses_to_start_without_a_token_unless_local(tmp_path: Path) -> None:
    env = serve_env(tmp_path / "home")
    env["TAPE_API_TOKEN"] = ""
    refused = CliRunner().invoke(cli, ["serve", "--port", "0"], env=env)
    assert isinstance(refused.exception, TapeUsageError)
    assert "TAPE_API_TOKEN is not set" in str(refused.exception)
    public = CliRunner().invoke(
        cli,
        ["serve", "--port", "0", "--insecure-local", "--host", "0.0.0.0"],  # noqa: S104
        env=env,
    )
    assert isinstance(public.exception, TapeUsageError)
    assert "127.0.0.1 only" in str(public.exception)


def test_killing_the_engine_never_loses_an_acknowledged_intent(tmp_path: Path) -> None:
    rng = random.Random(11)
    home, port = tmp_path / "home", free_port()
    config = tmp_path / "tape.toml"
    config.write_text(CONFIG_TOML, encoding="utf-8")
    acknowledged: list[str] = []
    stop = threading.Event()

    def client() -> None:
        n = 0
        while not stop.is_set():
            batch = [an_intent(intent_id=f"copy:0x77:{n + k}:BUY") for k in range(5)]
            n += 5
            try:
                response = post(f"http://127.0.0.1:{port}", batch)
            except requests.RequestException:
                continue  # killed mid-request: not acknowledged
            if response.status_code == 200:
                acknowledged.extend(r["intent_id"] for r in response.json())

    with serve_process(home, port, config) as process:
        sender = threading.Thread(target=client, daemon=True)
        sender.start()
        wait_until(lambda: len(acknowledged) >= 10, timeout=30)
        time.sleep(rng.uniform(0.0, 0.5))
        process.send_signal(signal.SIGKILL)  # mid-batch, most likely
        process.wait(timeout=10)
        stop.set()
        sender.join(timeout=10)
    stored = stored_intents(home / "tape.db")
    assert set(acknowledged) <= set(stored)
    with serve_process(home, port, config):  # a restart decides what was received, not decided
        stored = stored_intents(home / "tape.db")
        assert all(stored[i].decided for i in acknowledged)


def test_the_monitor_posts_to_the_engine_and_killing_either_loses_nothing(
    tmp_path: Path,
) -> None:
    home, port = tmp_path / "home", free_port()
    config = tmp_path / "tape.toml"
    config.write_text(CONFIG_TOML, encoding="utf-8")
    engine_url = f"http://127.0.0.1:{port}"
    with serve_fake(fixture_api()) as data_api:
        monitor_args = [
            *TAPE, "monitor", "--follow", KCH123, "--post", f"{engine_url}/intents",
            "--since", "0", "--interval", "0.1", "--backoff-base", "0.05", "--backoff-cap", "0.3",
            "--state", str(tmp_path / "monitor"), "--agent", "follow-whales",
        ]  # fmt: skip
        env = serve_env(
            tmp_path / "monitor-home", POLYMARKET_DATA_URL=data_api.url, TAPE_API_TOKEN=TOKEN
        )
        first = subprocess.Popen(monitor_args, env=env, stderr=subprocess.DEVNULL)
        with serve_process(home, port, config) as engine:  # the monitor waits for it
            wait_until(lambda: count_received(home / "tape.db") == 10, timeout=30)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            # The engine goes on without its monitor.
            assert requests.get(f"{engine_url}/health", timeout=5).ok
            assert post(engine_url, an_intent(intent_id="copy:0x99:1:BUY")).status_code == 200
            engine.send_signal(signal.SIGKILL)
            engine.wait(timeout=10)
        data_api.api.add_rows(
            KCH123,
            [
                {**row, "transactionHash": "0x" + "5e" * 32, "timestamp": int(time.time())}
                for row in data_api.api.trade_rows(KCH123)[:1]
            ],
        )
        # The monitor restarts while the engine is down: it retries until acknowledged.
        monitor = subprocess.Popen(monitor_args, env=env, stderr=subprocess.PIPE, text=True)
        state = tmp_path / "monitor" / "state.json"
        wait_until(lambda: bool(json.loads(state.read_text())["pending"]), timeout=30)
        with serve_process(home, port, config):
            wait_until(lambda: count_received(home / "tape.db") == 12, timeout=30)
        monitor.send_signal(signal.SIGTERM)
        _, stderr = monitor.communicate(timeout=10)
    assert monitor.returncode == 0
    assert "retrying until the engine acknowledges" in stderr
    stored = stored_intents(home / "tape.db")
    copied = [i for i in stored if i.startswith("copy:0x") and ":0x99:" not in i]
    assert len(copied) == 11
    assert all(re.fullmatch(r"copy:0x[0-9a-f]{64}:\d+:(BUY|SELL)", i) for i in copied)
