"""``tape serve``'s exposure rules and bounds, on a real uvicorn on loopback: JSON only, Host
and Origin checked (CSRF, DNS rebinding), items per request capped, the lock per item, every
error JSON with a reason, hostile bodies a 4xx (never a 5xx)."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from adapters.http_guard import Exposure
from adapters.http_ingest import create_app
from adapters.settings import DEFAULT_MAX_ITEMS, MAX_ITEMS_ENV, Settings, SettingsError
from adapters.store_health import StoreHealth
from engine.feeds import Feed
from tests.conftest import EngineRig, an_intent, make_rig, stored_events
from tests.test_http_ingest import AUTH, TOKEN, event_count, serving

MAX_ITEMS = 5


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[EngineRig]:
    """An engine on a SQLite file in tmp_path."""
    built = make_rig(tmp_path / "tape.db")
    yield built
    built.app.close()


@pytest.fixture(params=["token", "insecure-local"])
def api(rig: EngineRig, request: pytest.FixtureRequest) -> Iterator[str]:
    """The intake served on loopback, with a token and without (``--insecure-local``)."""
    token = TOKEN if request.param == "token" else None
    with serving(create_app(rig.engine, token, max_items=MAX_ITEMS)) as url:
        yield url


def raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    """POST /intents with exactly these headers (Host included); status and decoded JSON."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.putrequest("POST", "/intents", skip_host=True, skip_accept_encoding=True)
        for name, value in {**AUTH, "Content-Length": str(len(body)), **headers}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_a_text_plain_post_is_a_415_and_nothing_is_recorded(rig: EngineRig, api: str) -> None:
    before = event_count(rig.app)
    body = json.dumps(an_intent()).encode()
    host = urlsplit(api).netloc
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        status, answer = raw_post(api, body, {"Host": host, "Content-Type": content_type})
        assert status == 415
        assert answer == {"error": "the body must be Content-Type: application/json"}
    assert event_count(rig.app) == before
    status, _ = raw_post(
        api, body, {"Host": host, "Content-Type": "application/json; charset=utf-8"}
    )
    assert status == 200


@pytest.mark.parametrize(
    ("host", "origin", "allowed"),
    [
        ("{netloc}", None, True),
        ("localhost:{port}", None, True),
        ("localhost:{port}", "http://localhost:{port}", True),
        ("{netloc}", "http://{netloc}", True),
        ("attacker.example:{port}", None, False),  # DNS rebinding: the page's own name
        ("attacker.example", None, False),
        ("{netloc}", "http://attacker.example", False),  # CSRF from a web page
        ("{netloc}", "null", False),  # a sandboxed frame or a file
        ("{netloc}", "http://127.0.0.1:1", False),  # another local service
        ("127.0.0.1:1", None, False),
        ("", None, False),
    ],
)
def test_a_foreign_host_or_origin_is_a_403_and_nothing_is_recorded(
    rig: EngineRig, api: str, host: str, origin: str | None, allowed: bool
) -> None:
    netloc, port = urlsplit(api).netloc, str(urlsplit(api).port)
    headers = {"Host": host.format(netloc=netloc, port=port), "Content-Type": "application/json"}
    if origin is not None:
        headers["Origin"] = origin.format(netloc=netloc, port=port)
    before = event_count(rig.app)
    status, answer = raw_post(api, json.dumps(an_intent()).encode(), headers)
    if allowed:
        assert status == 200, answer
    else:
        assert status == 403
        assert "refused" in answer["error"] or "Host" in answer["error"]
        assert event_count(rig.app) == before


@given(name=st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){1,2}", fullmatch=True))
@settings(max_examples=50, deadline=None)
def test_no_domain_name_reaches_a_loopback_service_unless_allowed(name: str) -> None:
    loopback = Exposure.of("127.0.0.1")
    assert loopback.host_problem(f"{name}:8787", 8787) is not None
    assert loopback.origin_problem(f"http://{name}:8787", 8787) is not None
    assert Exposure.of("0.0.0.0").host_problem(name, 8787) is not None  # noqa: S104
    named = Exposure.of("0.0.0.0", [name])  # noqa: S104
    assert named.host_problem(f"{name}:8787", 8787) is None
    assert named.origin_problem(f"https://{name}:8787", 8787) is None


def test_more_items_than_the_cap_is_a_413_and_nothing_is_recorded(rig: EngineRig, api: str) -> None:
    before = event_count(rig.app)
    over = [an_intent(intent_id=f"copy:0x3:{n}:BUY") for n in range(MAX_ITEMS + 1)]
    response = requests.post(f"{api}/intents", json=over, headers=AUTH, timeout=10)
    assert response.status_code == 413
    assert response.json() == {"error": f"{MAX_ITEMS + 1} intents: at most {MAX_ITEMS} per request"}
    assert event_count(rig.app) == before
    at_cap = over[:MAX_ITEMS]
    assert requests.post(f"{api}/intents", json=at_cap, headers=AUTH, timeout=10).ok


def test_the_item_cap_defaults_to_500_and_is_a_setting() -> None:
    assert Settings.load({}).intake_max_items == DEFAULT_MAX_ITEMS == 500
    assert Settings.load({MAX_ITEMS_ENV: "20"}).intake_max_items == 20
    with pytest.raises(SettingsError, match=f"^{MAX_ITEMS_ENV} must be a whole number"):
        Settings.load({MAX_ITEMS_ENV: "0x" + "ab" * 32})


class CountingLock:
    """A lock that counts how often it is taken, and checks it is never held twice."""

    def __init__(self) -> None:
        self.inner = threading.Lock()
        self.taken = 0

    def __enter__(self) -> None:
        self.inner.acquire()
        self.taken += 1

    def __exit__(self, *_: object) -> None:
        self.inner.release()


def test_the_intake_lock_is_taken_per_item_not_per_request(rig: EngineRig) -> None:
    lock = CountingLock()
    app = create_app(rig.engine, TOKEN, lock=lock, decide=False)  # type: ignore[arg-type]
    with serving(app) as url:
        batch = [an_intent(intent_id=f"copy:0x4:{n}:BUY") for n in range(7)] + [{"bad": 1}]
        response = requests.post(f"{url}/intents", json=batch, headers=AUTH, timeout=10)
    assert response.status_code == 200
    assert lock.taken == len(batch)


HOSTILE_BODIES = {
    "lone surrogate": b'{"intent_id": "\\ud800", "agent": "a"}',
    "lone surrogate in a batch": b'[{"intent_id": "x"}, {"agent": "\\udfff"}]',
    "nested 5000 deep": b"[" * 5000 + b"]" * 5000,
    "integer of 5000 digits": b'{"intent_id": ' + b"9" * 5000 + b"}",
    "NaN": b'{"price": NaN}',
    "not UTF-8": b'{"intent_id": "\xff\xfe"}',
    "empty": b"",
}


@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_a_hostile_body_is_a_400_with_a_reason_never_a_500(
    rig: EngineRig, api: str, name: str
) -> None:
    response = requests.post(
        f"{api}/intents",
        data=HOSTILE_BODIES[name],
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"].startswith("malformed JSON")
    denied = [e for e in stored_events(rig.app) if isinstance(e, Feed.InputDenied)]
    assert len(denied) == 1  # recorded as a rejected input, its reason with it


def test_every_error_is_json_with_a_reason(api: str) -> None:
    for method, path, status in [
        ("GET", "/nowhere", 404),
        ("GET", "/intents", 405),
        ("DELETE", "/health", 405),
    ]:
        response = requests.request(method, f"{api}{path}", headers=AUTH, timeout=10)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/json"
        assert isinstance(response.json()["error"], str)


BODIES = st.binary(max_size=300) | st.text(max_size=200).map(
    lambda text: text.encode("utf-8", "surrogatepass")
)


@given(body=BODIES)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_body_gets_a_json_answer_never_a_5xx(api: str, body: bytes) -> None:
    response = requests.post(
        f"{api}/intents",
        data=body,
        headers={**AUTH, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/json"


def test_schemathesis_finds_no_server_error_in_either_mode_nor_a_non_json_error(
    api: str,
) -> None:
    schema = schemathesis.openapi.from_url(f"{api}/openapi.json")
    runs = [
        ("/intents", "POST", GenerationMode.POSITIVE, 40),
        ("/intents", "POST", GenerationMode.NEGATIVE, 60),
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
            response = case.call(base_url=api, session=session, headers=AUTH)
            case.validate_response(response, checks=[not_a_server_error])
            if response.status_code >= 400:
                assert isinstance(response.json()["error"], str)

        check()


def test_health_says_when_the_disk_is_nearly_full(rig: EngineRig, tmp_path: Path) -> None:
    db = tmp_path / "tape.db"
    full = StoreHealth(db, min_free_bytes=1 << 62)  # more than any disk has free
    with serving(create_app(rig.engine, TOKEN, store=full)) as url:
        health = requests.get(f"{url}/health", timeout=5)
    assert health.status_code == 503
    assert health.json()["status"] == "store unwritable"
    assert health.json()["reason"].startswith(f"the disk of {tmp_path} is full (")
    assert StoreHealth(db).problem() is None
