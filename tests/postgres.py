"""The real PostgreSQL for tests: a fresh schema per test, torn down after.

With ``CI`` set the server must answer (the tests run, not skip); elsewhere they skip when it
does not. The URL is ``TAPE_TEST_POSTGRES_URL`` (default: the CI server on 127.0.0.1:5432/test).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    """The test server's URL."""
    return os.environ.get("TAPE_TEST_POSTGRES_URL", DEFAULT_URL)


@contextmanager
def fresh_schema() -> Iterator[str]:
    """Create an empty schema for one test and drop it afterwards; yields its name."""
    url = postgres_url()
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {url} is required in CI: {error}")
        pytest.skip(f"no PostgreSQL at {url}")
    name = f"tape_test_{uuid.uuid4().hex[:12]}"
    with conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
        try:
            yield name
        finally:
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')
