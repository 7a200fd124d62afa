"""The engine's side of the paper venue process: a VenuePort and MarketData over HTTP.

Every call carries the engine's clock (``at``) and, when the engine follows a day, the line of
the input at hand (``line``), so the venue shows the books of that position in the order of
inputs (a book the day puts after the intent, in the same second, is not seen yet),
and the account (the agent) it is for: its order's ``account``, ``account=`` on book and
report requests. ``poll_reports`` reads on from where the last call with the same accounts
stopped, and from the start again when the venue process was restarted.
Idempotent reads are retried with backoff a bounded number of times; an order post is never
retried: a timeout, a connection error or a 5xx raises VenueUncertainError and the order is
found later by reconciliation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import requests

from adapters.clock import line_of
from adapters.paper.wire import book_from_json, report_from_json, request_to_json
from adapters.venues.named import RegisteredVenues
from engine.intent import format_utc
from engine.ports import Clock, OrderRequest, VenueReport, VenueUncertainError
from engine.values import Book

READ_ATTEMPTS = 4


class MarketDataUnavailableError(RuntimeError):
    """The venue could not be asked for a book; the intent must wait, not be decided blind."""


class HttpPaperVenue:
    """One venue name served by a ``tape paper-venue`` process."""

    durable = True
    """The process keeps its ledger in a file: orders outlive the engine's process."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        clock: Clock,
        session: requests.Session,
        timeout_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        self.session = session
        self.timeout_s = timeout_s
        self.sleep = sleep
        self._stream: str | None = None  # which run of the venue process the positions are in
        self._reports_seen: dict[frozenset[str] | None, int] = {}  # accounts asked -> next

    def _at(self, at: datetime | None) -> str:
        return format_utc(at or self.clock.now())

    def _line(self, at: datetime | None) -> list[tuple[str, str]]:
        """The ``line`` of a call at the clock's time (none for a call at another time: it
        stands after every record of its second)."""
        line = line_of(self.clock)
        if line is None or (at is not None and at != self.clock.now()):
            return []
        return [("line", str(line))]

    def _get(
        self, path: str, params: dict[str, str] | list[tuple[str, str]] | None = None
    ) -> requests.Response:
        # Reads are idempotent: retry with backoff, then give up as uncertain.
        error: Exception | None = None
        for attempt in range(READ_ATTEMPTS):
            try:
                response = self.session.get(
                    f"{self.base_url}{path}", params=params, timeout=self.timeout_s
                )
            except requests.RequestException as exc:
                error = exc
            else:
                if response.status_code < 500:
                    return response
                error = RuntimeError(f"HTTP {response.status_code}")
            self.sleep(0.05 * 2**attempt)
        raise VenueUncertainError(f"paper venue {path} failed {READ_ATTEMPTS} times: {error}")

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Post an order once; any failure without an answer is uncertain."""
        try:
            response = self.session.post(
                f"{self.base_url}/orders",
                json={**request_to_json(request, at=self._at(at)), **dict(self._line(at))},
                timeout=self.timeout_s,
            )
        except requests.RequestException as error:
            raise VenueUncertainError(
                f"paper venue did not answer: {type(error).__name__}"
            ) from None
        if response.status_code >= 500:
            raise VenueUncertainError(f"paper venue answered HTTP {response.status_code}")
        body: dict[str, Any] = response.json()
        if response.status_code != 200:
            return VenueReport(
                client_order_id=request.client_order_id,
                accepted=False,
                reject_code=f"HTTP_{response.status_code}",
                reject_message=str(body.get("error", "")),
            )
        return report_from_json(body)

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """The venue's report of an order, or None if it never received it."""
        response = self._get(f"/orders/{client_order_id}")
        if response.status_code == 404:
            return None
        return report_from_json(response.json())

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Cancel a resting order at the engine's time; its report (None: never received).
        Any failure without an answer is uncertain."""
        try:
            response = self.session.delete(
                f"{self.base_url}/orders/{client_order_id}",
                params=[("at", self._at(at)), *self._line(at)],
                timeout=self.timeout_s,
            )
        except requests.RequestException as error:
            raise VenueUncertainError(
                f"paper venue did not answer: {type(error).__name__}"
            ) from None
        if response.status_code >= 500:
            raise VenueUncertainError(f"paper venue answered HTTP {response.status_code}")
        if response.status_code == 404:
            return None
        return report_from_json(response.json())

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Reports of resting orders of those accounts (None: every account) that traded
        since the last call; the venue first takes the accounts to the engine's time."""
        if accounts is not None and not accounts:
            return []
        params = [("after", str(self._reports_seen.get(accounts, 0))), ("at", self._at(at))]
        params += self._line(at)
        params += [("account", name) for name in sorted(accounts or ())]
        body = self._get("/reports", params).json()
        stream = body.get("stream")
        if stream != self._stream:
            if self._stream is not None and self._reports_seen.get(accounts, 0):
                params[0] = ("after", "0")  # the process restarted: its reports start again
                body = self._get("/reports", params).json()
            self._stream, self._reports_seen = stream, {}
        self._reports_seen[accounts] = int(body["next"])
        return [report_from_json(r) for r in body["reports"] if r.get("client_order_id")]

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The book of a token at the engine's time, as the account sees it (MarketData
        port)."""
        try:
            response = self._get(
                "/book",
                [
                    ("venue", venue),
                    ("token_id", token_id),
                    ("at", self._at(at)),
                    ("account", account),
                    *self._line(at),
                ],
            )
        except VenueUncertainError as error:
            raise MarketDataUnavailableError(str(error)) from None
        if response.status_code == 404:
            return None
        return book_from_json(response.json())

    def ledger(self) -> list[dict[str, Any]]:
        """The venue's whole ledger."""
        body: list[dict[str, Any]] = self._get("/orders").json()
        return body


class HttpPaperVenues(RegisteredVenues[HttpPaperVenue]):
    """Every registered venue, served by one paper venue process (made on first use)."""

    def __init__(self, base_url: str, *, clock: Clock, timeout_s: float = 2.0) -> None:
        super().__init__()
        self.base_url = base_url
        self.clock = clock
        self.timeout_s = timeout_s
        self.session = requests.Session()

    def make(self, name: str) -> HttpPaperVenue:
        """The client of the process for one venue."""
        return HttpPaperVenue(
            name, self.base_url, clock=self.clock, session=self.session, timeout_s=self.timeout_s
        )

    def book(
        self, venue: str, token_id: str, *, at: datetime | None = None, account: str = ""
    ) -> Book | None:
        """The book of a token, as the account sees it (MarketData port; None on a venue that
        is not registered)."""
        if not self.knows(venue):
            return None
        return self[venue].book(venue, token_id, at=at, account=account)
