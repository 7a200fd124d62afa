"""``tape paper-venue`` under hostile requests, as its own process on loopback: any malformed
request is a 400 with a JSON reason and leaves the ledger as it was, ``/_faults`` exists only
with ``--faults``, and a client that sends half a request holds nothing but its connection."""

from __future__ import annotations

import json
import re
import socket
import subprocess
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.sample_day.day import write_day
from tests.test_one_writer import TAPE, env_for
from tests.waiting import wait_until


@pytest.fixture(scope="module")
def venue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """A paper venue process (no --faults, a 1 s request timeout) and a valid order for it."""
    folder = tmp_path_factory.mktemp("paper")
    day = folder / "day.jsonl"
    write_day(day, 3, intents=2)
    book = json.loads(day.read_text(encoding="utf-8").splitlines()[0])
    process = subprocess.Popen(
        [*TAPE, "paper-venue", "--day", str(day), "--request-timeout", "1"],
        env=env_for(folder / "home"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    match = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
    assert match is not None
    order = {
        "client_order_id": "o-1",
        "venue": book["venue"],
        "market_id": book["market_id"],
        "token_id": book["token_id"],
        "side": "BUY",
        "order_type": "GTC",
        "price": "0.10",
        "size": "10",
        "account": "agent-a",
        "at": book["at"],
    }
    try:
        yield match.group(0), order
    finally:
        process.kill()
        process.wait(timeout=10)


def ledger(url: str) -> Any:
    """The venue's whole ledger."""
    return requests.get(f"{url}/orders", timeout=5).json()


MALFORMED_ORDERS: dict[str, dict[str, Any]] = {
    "price NaN": {"price": "NaN"},
    "price Infinity": {"price": "Infinity"},
    "price with an exponent": {"price": "1e-27"},
    "price negative": {"price": "-0.5"},
    "price zero": {"price": "0"},
    "price a float": {"price": 0.5},
    "size of 40 digits": {"size": "9" * 40},
    "null id": {"client_order_id": None},
    "empty id": {"client_order_id": ""},
    "id a number": {"client_order_id": 7},
    "null token": {"token_id": None},
    "side HOLD": {"side": "HOLD"},
    "null order type": {"order_type": None},
    "at junk": {"at": "yesterday"},
    "at a number": {"at": 1_700_000_000},
    "account a list": {"account": ["a"]},
    "market null": {"market_id": None},
}


@pytest.mark.parametrize("name", list(MALFORMED_ORDERS))
def test_a_malformed_order_is_a_400_with_a_reason_and_never_reaches_the_ledger(
    venue: tuple[str, dict[str, Any]], name: str
) -> None:
    url, order = venue
    before = ledger(url)
    response = requests.post(f"{url}/orders", json={**order, **MALFORMED_ORDERS[name]}, timeout=5)
    assert response.status_code == 400, response.text
    field = next(iter(MALFORMED_ORDERS[name]))
    assert response.json()["error"].startswith(f"{field}: ")
    assert ledger(url) == before


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/reports?after=abc", None),
        ("GET", "/reports?after=-1", None),
        ("GET", "/reports?after=" + "9" * 40, None),
        ("GET", "/reports?at=junk", None),
        ("GET", "/book?token_id=1&at=2026-13-45T99:00:00Z", None),
        ("DELETE", "/orders/o-1?at=junk", None),
        ("POST", "/orders", b"[1, 2]"),
        ("POST", "/orders", b"junk"),
        ("POST", "/orders", b"[" * 3000 + b"]" * 3000),
        ("POST", "/orders", b'{"client_order_id": "\\ud800"}'),
    ],
)
def test_junk_queries_and_bodies_are_a_400_with_a_reason_not_a_dropped_connection(
    venue: tuple[str, dict[str, Any]], method: str, path: str, body: bytes | None
) -> None:
    url, _ = venue
    before = ledger(url)
    response = requests.request(method, f"{url}{path}", data=body, timeout=5)
    assert response.status_code == 400, response.text
    assert isinstance(response.json()["error"], str)
    assert ledger(url) == before


def test_a_junk_content_length_is_a_400(venue: tuple[str, dict[str, Any]]) -> None:
    url, _ = venue
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as conn:
        conn.sendall(b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        assert conn.recv(4096).startswith(b"HTTP/1.1 400")


def test_faults_are_not_served_without_the_flag(venue: tuple[str, dict[str, Any]]) -> None:
    url, _ = venue
    response = requests.post(f"{url}/_faults", json={"drop_before_accept": 1}, timeout=5)
    assert response.status_code == 404
    assert response.json() == {"error": "no route /_faults"}


def test_half_a_request_holds_only_its_connection_and_is_closed_after_the_timeout(
    venue: tuple[str, dict[str, Any]],
) -> None:
    url, _ = venue
    parts = urlsplit(url)
    slow = socket.create_connection((parts.hostname, parts.port), timeout=10)
    try:
        slow.sendall(b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        assert requests.get(f"{url}/health", timeout=2).json() == {"status": "ok"}
        assert requests.get(f"{url}/orders", timeout=2).ok
        wait_until(lambda: slow.recv(4096) == b"", timeout=10)  # the server closed it
    finally:
        slow.close()


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["NaN", "-Infinity", "1e9", "0.5", "BUY", "GTC", "2026-01-30T14:00:05Z"]),
    st.lists(st.integers(), max_size=3),
)


FIELDS = ["client_order_id", "venue", "market_id", "token_id", "side", "order_type", "price"]
FIELDS += ["size", "account", "at"]


@given(changes=st.dictionaries(st.sampled_from(FIELDS), VALUES, min_size=1, max_size=4))
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_mutated_order_is_taken_or_a_400_never_a_500_nor_junk_in_the_ledger(
    venue: tuple[str, dict[str, Any]], changes: dict[str, Any]
) -> None:
    url, order = venue
    response = requests.post(f"{url}/orders", json={**order, **changes}, timeout=5)
    assert response.status_code in {200, 400}, response.text
    for row in ledger(url):
        assert isinstance(row["client_order_id"], str)
        assert row["client_order_id"]
        assert re.fullmatch(r"\d+(\.\d+)?", row["price"])
        assert re.fullmatch(r"\d+(\.\d+)?", row["size"])
