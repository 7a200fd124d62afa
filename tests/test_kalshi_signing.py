"""Kalshi's request signature: checked against Kalshi's own SDK signer (``KalshiAuth`` of
kalshi-python-sync) and verified with the public key by the fake exchange; keys as PKCS#1,
PKCS#8 and Ed25519 PEM, from text or a file; configuration errors name the variable and
never show the key."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from hypothesis import given, settings
from hypothesis import strategies as st
from kalshi_python_sync.auth import KalshiAuth as SdkAuth

from adapters.kalshi.client import KalshiClient, KalshiHTTPError
from adapters.kalshi.config import KalshiConfigError, config_from_env
from adapters.kalshi.signing import PSS, KalshiAuth, message
from engine.secrets import Secret
from tests.fake_kalshi import FakeKalshi
from tests.fake_kalshi.auth import Unauthorized, verify
from tests.fake_kalshi.keys import KEY_ID, ed25519_key, pem, rsa_key

PATHS = st.from_regex(r"/trade-api/v2/[a-z_/]{1,30}(\?[a-z=&0-9]{0,20})?", fullmatch=True)


@pytest.fixture
def fake() -> Iterator[FakeKalshi]:
    """The fake exchange with the RSA test key registered."""
    fake = FakeKalshi().start()
    fake.register_key(KEY_ID, rsa_key().public_key(), balance="12.34")
    yield fake
    fake.stop()


class Headers(dict[str, str]):
    """Headers as the fake's verifier reads them."""


@settings(max_examples=30, deadline=None)
@given(path=PATHS, method=st.sampled_from(["GET", "POST", "DELETE"]), ts=st.integers(1, 2**42))
def test_our_signature_is_the_sdks_recipe_and_verifies(path: str, method: str, ts: int) -> None:
    ours = KalshiAuth(KEY_ID, Secret("K", pem(rsa_key())), clock_ms=lambda: ts)
    headers = ours.headers(method, path)
    sdk = SdkAuth(KEY_ID, pem(rsa_key()))
    sdk_headers = sdk.create_auth_headers(method, path)
    # the SDK signs the same text (timestamp, upper-case method, path without the query)
    sdk_text = (
        f"{sdk_headers['KALSHI-ACCESS-TIMESTAMP']}{method}{path.split('?', maxsplit=1)[0]}".encode()
    )
    rsa_key().public_key().verify(
        base64.b64decode(sdk_headers["KALSHI-ACCESS-SIGNATURE"]), sdk_text, PSS, hashes.SHA256()
    )
    assert message(int(sdk_headers["KALSHI-ACCESS-TIMESTAMP"]), method, path) == sdk_text
    assert headers["KALSHI-ACCESS-TIMESTAMP"] == str(ts)
    assert headers["KALSHI-ACCESS-KEY"] == sdk_headers["KALSHI-ACCESS-KEY"]
    # and ours verifies as the exchange checks it (PSS, salt = digest length, standard base64)
    rsa_key().public_key().verify(
        base64.b64decode(headers["KALSHI-ACCESS-SIGNATURE"], validate=True),
        message(ts, method, path),
        PSS,
        hashes.SHA256(),
    )
    full = path.split("?", maxsplit=1)[0]
    assert (
        verify(
            {KEY_ID: rsa_key().public_key()},
            method,
            full,
            Headers(headers),
            window_ms=10,
            now_ms=lambda: ts,
        )
        == KEY_ID
    )
    other = "PUT" if method != "PUT" else "GET"
    with pytest.raises(Unauthorized):  # a signature is bound to its method
        verify(
            {KEY_ID: rsa_key().public_key()},
            other,
            full,
            Headers(headers),
            window_ms=10,
            now_ms=lambda: ts,
        )


def test_the_sdks_headers_are_accepted_by_the_fake_exchange(fake: FakeKalshi) -> None:
    sdk = SdkAuth(KEY_ID, pem(rsa_key()))
    url = f"{fake.url}/portfolio/balance?limit=5"
    answer = httpx.get(url, headers=sdk.create_auth_headers("GET", url))
    assert answer.status_code == 200
    assert answer.json()["balance_dollars"] == "12.3400"


@pytest.mark.parametrize(
    ("key", "form"),
    [(rsa_key(), "pkcs1"), (rsa_key(), "pkcs8"), (ed25519_key(), "pkcs8")],
    ids=["rsa-pkcs1", "rsa-pkcs8", "ed25519"],
)
def test_every_key_form_signs_requests_the_exchange_accepts(
    fake: FakeKalshi, key: Any, form: str, tmp_path: Path
) -> None:
    fake.register_key("k2", key.public_key(), balance="5")
    text = pem(key, pkcs8=form == "pkcs8")
    file = tmp_path / "kalshi.key"
    file.write_text(text)
    for env in (
        {"KALSHI_PRIVATE_KEY": text},
        {"KALSHI_PRIVATE_KEY": text.replace("\n", "\\n")},  # one line, as .env files hold it
        {"KALSHI_PRIVATE_KEY_PATH": str(file)},
    ):
        config = config_from_env({"KALSHI_API_KEY_ID": "k2", "KALSHI_API_URL": fake.url, **env})
        assert config is not None
        client = KalshiClient(config.url, auth=KalshiAuth(config.key_id, config.private_key))
        assert client.get("/portfolio/balance")["balance_dollars"] == "5.0000"
        client.close()


def test_a_bad_signature_a_stale_timestamp_or_an_unknown_key_is_401(fake: FakeKalshi) -> None:
    stale = KalshiAuth(KEY_ID, Secret("K", pem(rsa_key())), clock_ms=lambda: 1_000)
    stranger = KalshiAuth(KEY_ID, Secret("K", pem(ed25519_key())))
    unknown = KalshiAuth("nobody", Secret("K", pem(rsa_key())))
    for auth, reason in (
        (stale, "timestamp outside the window"),
        (stranger, "invalid signature"),
        (unknown, "unknown api key"),
    ):
        client = KalshiClient(fake.url, auth=auth)
        with pytest.raises(KalshiHTTPError) as caught:
            client.get("/portfolio/balance")
        assert caught.value.status == 401
        assert reason in caught.value.message
        client.close()
    public = KalshiClient(fake.url)  # nothing under /portfolio without a signature
    with pytest.raises(KalshiHTTPError):
        public.get("/portfolio/balance")


def test_configuration_errors_name_the_variable_and_never_the_key(tmp_path: Path) -> None:
    secret = pem(rsa_key())
    assert config_from_env({}) is None
    cases = [
        ({"KALSHI_PRIVATE_KEY": secret}, "KALSHI_API_KEY_ID is not set"),
        ({"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY": "not a key"}, "KALSHI_PRIVATE_KEY: not"),
        (
            {"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY_PATH": str(tmp_path / "missing")},
            "KALSHI_PRIVATE_KEY_PATH: the key file cannot be read",
        ),
        (
            {"KALSHI_API_KEY_ID": "../k", "KALSHI_PRIVATE_KEY": secret},
            "KALSHI_API_KEY_ID must be the key's id",
        ),
        (
            {"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY": secret, "KALSHI_API_URL": "ftp://x"},
            "KALSHI_API_URL must be",
        ),
    ]
    for env, says in cases:
        with pytest.raises(KalshiConfigError) as caught:
            config_from_env(env)
        assert says in str(caught.value)
        assert "PRIVATE KEY-----" not in str(caught.value)
    config = config_from_env(
        {"KALSHI_API_KEY_ID": "k", "KALSHI_PRIVATE_KEY": secret, "TAPE_HOME": str(tmp_path)}
    )
    assert config is not None
    assert config.url == "https://external-api.kalshi.com/trade-api/v2"
    assert config.state_dir == tmp_path / "kalshi"  # the journal is always on disk
    shown = repr(config) + repr(KalshiAuth("k", config.private_key)) + " ".join(config.describe())
    assert "PRIVATE KEY" not in shown
