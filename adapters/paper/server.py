"""``tape paper-venue``: the paper venue as a loopback HTTP service with a durable ledger.

It reads the day file's book records itself. Every agent is its own paper account (see
``venue.py``) with its own place on the day's tape (see ``book_tape.py``): a request advances
its account to the time it carries (``at``, never backwards; records at that time included),
so the books an order meets depend only on the day, its agent's earlier orders and the
order's time, whatever other engine workers are doing and wherever they are in the day.
Each connection has its own thread, but requests are handled one at a time under a lock, in
arrival order.

The ledger file is written before each answer leaves. A restarted process reads it back: it
replays each account's orders at the times the venue took them (and takes each account to
the last time the file records for it), which rebuilds the accounts exactly (books with
their taken liquidity, resting orders), and refuses to start if what it rebuilds differs
from the file (a ledger of another day). Reports of resting orders are kept in memory: a
restart makes them again from the replay under a new ``stream`` id, and a client that sees
the id change reads them from the start (a report repeated is harmless).

Routes (JSON):
    POST /orders                  an order (OrderRequest fields, account, venue, at) -> report
    GET  /orders                  the whole ledger
    GET  /orders/<client id>      one order's report, 404 when the venue never received it
    DELETE /orders/<client id>?at=   cancel a resting order at that time -> its report
    GET  /book?venue=&token_id=&at=&account=   the book at that time, as the account sees it
    GET  /reports?after=N&at=&account=A&account=B   reports of resting orders that traded,
                                  after sequence N, of those accounts (none named: all), the
                                  accounts first advanced to ``at`` (none named: every
                                  account the venue knows) -> {reports, next, stream}
    GET  /health
    POST /_faults                 test hook: {"drop_before_accept": n, "timeout_after_accept": n,
                                  "delay_s": s} makes the next n orders fail that way
"""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from adapters.day_order import DEFAULT_MAX_GAP
from adapters.paper.book_tape import END_OF_SECOND, BookTape, Moment, PaperAccount, PaperAccounts
from adapters.paper.ledger import LedgerFile, LedgerRow
from adapters.paper.venue import CANCELED_ON_REQUEST, PaperOrder
from adapters.paper.wire import book_to_json, report_to_json, request_from_json
from engine.intent import format_utc, parse_utc
from engine.ports import OrderRequest, VenueReport


class LedgerMismatchError(RuntimeError):
    """The ledger file does not replay on this day: it belongs to another day (or fee)."""


class PaperVenueService:
    """The state behind the HTTP routes: accounts on the book tape, the ledger, faults."""

    def __init__(
        self,
        day: Path,
        ledger: Path,
        *,
        fee_rate: Decimal = Decimal(0),
        max_gap: timedelta = DEFAULT_MAX_GAP,
    ) -> None:
        self.tape = BookTape(day, max_gap=max_gap)
        self.accounts = PaperAccounts(self.tape, fee_rate=fee_rate)
        self.ledger = LedgerFile(ledger)
        self.reports: list[tuple[str, dict[str, Any]]] = []  # (account, report), in order
        self.stream = secrets.token_hex(8)  # names this run's sequence of reports
        self.owners: dict[str, tuple[str, str]] = {}  # client order id -> (account, venue)
        self.faults: dict[str, float] = {}
        self.lock = threading.Lock()
        self._restore(self.ledger.rows())

    # -- accounts on the tape ---------------------------------------------------------------

    def _advance(self, account: PaperAccount, at: Moment | None, *, persist: bool = True) -> None:
        if at is None:
            return
        account.advance_to(at)
        for venue in account.venues.values():
            for report in venue.poll_reports():
                self.reports.append((account.name, report_to_json(report)))
                if persist:
                    self._persist(account, venue.name, report.client_order_id)

    def _persist(self, account: PaperAccount, venue_name: str, client_order_id: str) -> None:
        order = account.venues[venue_name].ledger[client_order_id]
        at = format_utc(account.time) if account.time is not None else ""
        line = account.moment[1] if account.moment is not None else END_OF_SECOND
        self.ledger.save(venue_name, order.to_json(), account=account.name, at=at, line=line)

    @staticmethod
    def _time(at_text: Any, line: Any = None) -> Moment | None:
        """The moment a request stands at: its time and the line of the engine's input (none:
        after every record of that time)."""
        if not at_text:
            return None
        return parse_utc(at_text), END_OF_SECOND if line in (None, "") else int(line)

    def _take_fault(self, name: str) -> bool:
        left = self.faults.get(name, 0)
        if left > 0:
            self.faults[name] = left - 1
            return True
        return False

    # -- routes ---------------------------------------------------------------------------

    def submit(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
        """Take an order; returns status, body, and how long to stall before answering."""
        if self._take_fault("drop_before_accept"):
            return 503, {"error": "service unavailable (injected)"}, 0.0
        request = request_from_json(body)
        account = self.accounts[request.account]
        at = self._time(body.get("at"), body.get("line"))
        self._advance(account, at)
        owner = self.owners.get(request.client_order_id)
        if owner is not None:  # known: answered from the ledger of the account that sent it
            known = self.accounts[owner[0]].venues[owner[1]].order_status(request.client_order_id)
            report = known if known is not None else self._take(account, request, at)
        else:
            report = self._take(account, request, at)
            self._persist(account, request.venue, request.client_order_id)
        stall = self.faults.get("delay_s", 5.0) if self._take_fault("timeout_after_accept") else 0.0
        return 200, report_to_json(report), stall

    def _take(
        self, account: PaperAccount, request: OrderRequest, at: Moment | None = None
    ) -> VenueReport:
        account.sync(request.venue, request.token_id, at)
        report = account.venues[request.venue].submit(request, at=account.time)
        self.owners[request.client_order_id] = (account.name, request.venue)
        return report

    def order(self, client_order_id: str) -> tuple[int, dict[str, Any]]:
        """One order's report."""
        owner = self.owners.get(client_order_id)
        if owner is not None:
            report = self.accounts[owner[0]].venues[owner[1]].order_status(client_order_id)
            if report is not None:
                return 200, report_to_json(report)
        return 404, {"error": f"unknown order {client_order_id}"}

    def cancel(
        self, client_order_id: str, at: str | None, line: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Cancel a resting order at a time (its account first advanced to it)."""
        owner = self.owners.get(client_order_id)
        if owner is None:
            return 404, {"error": f"unknown order {client_order_id}"}
        account = self.accounts[owner[0]]
        self._advance(account, self._time(at, line))
        report = account.venues[owner[1]].cancel(client_order_id)
        if report is None:
            return 404, {"error": f"unknown order {client_order_id}"}
        self._persist(account, owner[1], client_order_id)
        return 200, report_to_json(report)

    def book(
        self, venue: str, token_id: str, at: str | None, account: str = "", line: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        """The book of a token at a time, as the account sees it."""
        book = self.accounts[account].view(venue, token_id, self._time(at, line))
        if book is None:
            return 404, {"error": f"no book for token {token_id}"}
        return 200, book_to_json(book)

    def poll(
        self,
        after: int,
        at: str | None,
        accounts: frozenset[str] | None,
        line: str | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Reports after sequence ``after`` of those accounts (None: all), the accounts first
        advanced to ``at`` (None: every account known)."""
        moment = self._time(at, line)
        for name in sorted(accounts) if accounts is not None else list(self.accounts):
            if name in self.accounts:
                self._advance(self.accounts[name], moment)
        reports = [
            report for name, report in self.reports[after:] if accounts is None or name in accounts
        ]
        return 200, {"reports": reports, "next": len(self.reports), "stream": self.stream}

    # -- restart --------------------------------------------------------------------------

    def _replay_cancels(
        self,
        account: PaperAccount,
        cancels: dict[str, list[tuple[Moment, str, str]]],
        *,
        until: Moment | None,
    ) -> None:
        """Cancel again, at their times, the account's orders canceled up to ``until``."""
        pending = cancels.get(account.name, [])
        while pending and (until is None or pending[0][0] <= until):
            moment, venue, client_order_id = pending.pop(0)
            self._advance(account, moment, persist=False)
            account.venues[venue].cancel(client_order_id)
        if not pending:
            cancels.pop(account.name, None)

    def _restore(self, rows: list[LedgerRow]) -> None:
        """Rebuild the accounts from the ledger file by replaying their orders."""
        replayed: list[LedgerRow] = []
        last: dict[str, Moment] = {}
        cancels = _cancels(rows)
        for row in rows:
            body = row.order
            if "account" not in body:  # written before accounts: known, not replayed
                order = PaperOrder.from_json(row.venue, body)
                self.accounts[""].venues[row.venue].restore(order)
                self.owners[order.request.client_order_id] = ("", row.venue)
                continue
            request = request_from_json({**body, "venue": row.venue})
            account = self.accounts[request.account]
            moment = self._time(body.get("at"), row.taken_line)
            self._replay_cancels(account, cancels, until=moment)
            self._advance(account, moment, persist=False)
            self._take(account, request, moment)
            replayed.append(row)
            if row.at:
                moment = (parse_utc(row.at), row.line)
                last[request.account] = max(moment, last.get(request.account, moment))
        for name in list(cancels):
            self._replay_cancels(self.accounts[name], cancels, until=None)
        for name, moment in last.items():
            self._advance(self.accounts[name], moment, persist=False)
        for row in replayed:
            cid = row.order["client_order_id"]
            owner, venue = self.owners[cid]
            rebuilt = self.accounts[owner].venues[venue].ledger[cid].to_json()
            if rebuilt != row.order:
                raise LedgerMismatchError(
                    f"{self.ledger.path}: order {cid} does not replay on {self.tape.day} "
                    f"(the ledger says {row.order}, the day gives {rebuilt}); "
                    "use another --ledger for another day"
                )


def _cancels(rows: list[LedgerRow]) -> dict[str, list[tuple[Moment, str, str]]]:
    """The orders canceled on request, by account: (when, venue, client order id), in time
    order (a canceled order's row was last written at its cancel)."""
    found: dict[str, list[tuple[Moment, str, str]]] = {}
    for row in rows:
        body = row.order
        if body.get("close_reason") == CANCELED_ON_REQUEST and row.at and "account" in body:
            entry = ((parse_utc(row.at), row.line), row.venue, str(body["client_order_id"]))
            found.setdefault(row.account, []).append(entry)
    for entries in found.values():
        entries.sort()
    return found
