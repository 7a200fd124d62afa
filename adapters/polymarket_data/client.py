"""A keyless client of the Polymarket Data API (v1): a trader's TRADE activity and positions.

Numbers in the Data API's JSON are floats. Responses are decoded with ``parse_float=Decimal``, so
each number keeps exactly the digits the API sent (no binary round trip in between); what those
digits mean is decided in :mod:`adapters.polymarket_data.folding`.

Paging. ``/activity`` pages by ``limit`` (at most 500) and ``offset`` (at most 10 000), newest
first. Offsets shift when rows are added while a window is paged, so the client pages by time
instead (keyset): after a full page it keeps the rows newer than the page's oldest second and
asks again for that second and older (``end``); the oldest second is read whole by the next
request. Only when one second holds a full page does it page that single second by offset, and
then it reads that second twice and wants the same rows both times. A window of any length is
read this way without reaching the offset cap, and no row is counted twice. Whether the API's
``start``/``end`` bounds are inclusive or not does not matter: the client asks one second wider
and cuts the answer itself.

Failures. Connection errors, timeouts, 429 and 5xx are retried with exponential backoff (bounded,
honouring ``Retry-After``); other answers, and retries exhausted, raise :class:`DataApiError`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

DEFAULT_DATA_URL = "https://data-api.polymarket.com"
DATA_URL_ENV = "POLYMARKET_DATA_URL"
PAGE_LIMIT = 500  # the /activity and /positions page cap
OFFSET_CAP = 10_000  # the largest offset the Data API serves
USER_AGENT = "tape-monitor/0.1 (+keyless)"


class DataApiError(RuntimeError):
    """The Data API could not be read (after retries), or answered something unusable."""


class MonitorStopped(Exception):
    """Raised inside a wait when the monitor has been asked to stop."""


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``base * 2**(attempt-1)`` s, at most ``cap``, ``attempts`` tries."""

    base: float = 0.5
    cap: float = 30.0
    attempts: int = 6

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.cap)
        return min(self.base * 2.0 ** (attempt - 1), self.cap)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The ``Retry-After`` header in seconds, when it is a number."""
    value: str | None = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def row_time(row: Mapping[str, Any]) -> int:
    """A row's ``timestamp`` (unix seconds) as an int; DataApiError when it has none."""
    value = row.get("timestamp")
    number = _number(value)
    if number is None or number != number.to_integral_value():
        raise DataApiError(f"an activity row has no usable timestamp: {value!r}")
    return int(number)


def _number(value: Any) -> Decimal | None:
    """A JSON number (already a Decimal, or an int) or numeric string; None otherwise."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class DataApiClient:
    """Reads one trader's trades and positions from the Data API at ``base_url``."""

    def __init__(
        self,
        base_url: str = DEFAULT_DATA_URL,
        *,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 20.0),
        backoff: Backoff | None = None,
        stop: threading.Event | None = None,
        page_limit: int = PAGE_LIMIT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.timeout = timeout
        self.backoff = backoff or Backoff()
        self.stop = stop or threading.Event()
        self.page_limit = page_limit

    # -- endpoints --------------------------------------------------------------------------

    def trade_rows(self, user: str, start: int) -> list[dict[str, Any]]:
        """Every TRADE row of ``user`` with ``timestamp >= start``, each once (any order).

        Bounds are asked one second wider than needed (``start - 1``, ``upper + 1``) and cut
        here, so the answer is the same whether the API's ``start``/``end`` are inclusive or not.
        """
        rows: list[dict[str, Any]] = []
        upper: int | None = None  # the newest second still to read (None: no bound yet)
        while True:
            window: dict[str, Any] = {"start": start - 1}
            if upper is not None:
                window["end"] = upper + 1
            page = self._activity_page(user, window, offset=0)
            times = [row_time(r) for r in page]
            if upper is not None and any(t > upper + 1 for t in times):
                raise DataApiError("the Data API ignored end=, so the window cannot be paged")
            wanted = [
                r
                for r, t in zip(page, times, strict=True)
                if t >= start and (upper is None or t <= upper)
            ]
            if len(page) < self.page_limit or min(times) < start:
                # The last page of the window (a row older than start means every row at or
                # after start is in this page, since it is newest first).
                return rows + wanted
            oldest = min(times)
            top = upper if upper is not None else max(times)
            if oldest >= top:  # a full page of one second: page that second by offset
                rows += self._one_second(user, top)
                if top <= start:
                    return rows
                upper = top - 1
                continue
            # Rows newer than the oldest second of the page are complete; that second is read
            # again, whole, by the next request.
            rows += [r for r, t in zip(page, times, strict=True) if oldest < t <= top]
            upper = oldest

    def holdings(self, user: str) -> dict[str, Decimal]:
        """What ``user`` holds per token (``asset``), from ``/positions`` (dust included)."""
        held: dict[str, Decimal] = {}
        offset = 0
        while True:
            page = self.get_list(
                "/positions",
                {"user": user, "sizeThreshold": 0, "limit": self.page_limit, "offset": offset},
            )
            for row in page:
                asset, amount = row.get("asset"), _number(row.get("size"))
                if not isinstance(asset, str) or not asset:
                    continue
                if amount is None:
                    raise DataApiError(f"a position row has no usable size: {row.get('size')!r}")
                held[asset] = held.get(asset, Decimal(0)) + amount
            if len(page) < self.page_limit:
                return held
            offset += self.page_limit
            if offset > OFFSET_CAP:
                raise DataApiError(f"more than {OFFSET_CAP} positions: cannot read them all")

    # -- transport --------------------------------------------------------------------------

    def get_list(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """GET a bare JSON array of objects, retrying 429, 5xx and transport failures."""
        url = f"{self.base_url}{path}"
        last = ""
        for attempt in range(1, self.backoff.attempts + 1):
            retry_after: float | None = None
            try:
                response = self.session.get(url, params=dict(params), timeout=self.timeout)
            except requests.RequestException as error:
                last = f"{type(error).__name__} reaching {path}"
            else:
                if response.status_code == 200:
                    return self._decode(path, response.text)
                if response.status_code != 429 and response.status_code < 500:
                    raise DataApiError(
                        f"HTTP {response.status_code} from {path}: {response.text[:120]!r}"
                    )
                last = f"HTTP {response.status_code} from {path}"
                retry_after = retry_after_seconds(response.headers)
            if attempt < self.backoff.attempts and self.stop.wait(
                self.backoff.delay(attempt, retry_after)
            ):
                raise MonitorStopped
        raise DataApiError(f"{last} after {self.backoff.attempts} attempts")

    @staticmethod
    def _decode(path: str, text: str) -> list[dict[str, Any]]:
        try:
            data = json.loads(text, parse_float=Decimal)
        except ValueError:
            raise DataApiError(f"{path} answered something that is not JSON") from None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise DataApiError(f"{path} answered something that is not a list of objects")
        return data

    def _activity_page(
        self, user: str, window: Mapping[str, Any], *, offset: int
    ) -> list[dict[str, Any]]:
        return self.get_list(
            "/activity",
            {
                "user": user,
                "type": "TRADE",
                "limit": self.page_limit,
                "offset": offset,
                "sortBy": "TIMESTAMP",
                "sortDirection": "DESC",
                **window,
            },
        )

    def _one_second(self, user: str, second: int) -> list[dict[str, Any]]:
        """Every row of one second that holds a full page, paged by offset. Offsets shift if
        rows are added to that second meanwhile, so the second is read twice and must read the
        same both times (three tries), else DataApiError: the next poll tries again."""
        for _ in range(3):
            first = self._one_second_by_offset(user, second)
            if _same_rows(first, self._one_second_by_offset(user, second)):
                return first
        raise DataApiError(f"the trades of second {second} kept changing while being paged")

    def _one_second_by_offset(self, user: str, second: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            window = {"start": second - 1, "end": second + 1}
            page = self._activity_page(user, window, offset=offset)
            times = [row_time(r) for r in page]
            if any(abs(t - second) > 1 for t in times):
                raise DataApiError("the Data API ignored start=/end=, so a second cannot be paged")
            rows += [r for r, t in zip(page, times, strict=True) if t == second]
            if len(page) < self.page_limit:
                return rows
            offset += self.page_limit
            if offset > OFFSET_CAP:
                raise DataApiError(f"more than {OFFSET_CAP} trades in one second at {second}")


def _same_rows(first: list[dict[str, Any]], second: list[dict[str, Any]]) -> bool:
    """Whether two reads hold the same rows (as multisets)."""

    def key(row: dict[str, Any]) -> str:
        return json.dumps(row, sort_keys=True, default=str)

    return sorted(map(key, first)) == sorted(map(key, second))
