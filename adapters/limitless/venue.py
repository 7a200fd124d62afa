"""The Limitless venue, as ``engine.ports.VenuePort``.

``submit`` reads the market (closed markets are denied here, ``VenueRequestDenied``), sizes and
signs the order for the market's own exchange contract (:mod:`.orders`), journals it
(:mod:`.journal`) and only then POSTs it with the order's ``clientOrderId``:

- a proven no (400/401/403/404/422) -> a rejected report with its code (:mod:`.errors`);
- 409 (the venue already has this ``clientOrderId``) -> the original's report, found by its
  client order id; never sent again;
- no answer, 5xx, or 429 after its ``Retry-After`` retries -> :class:`VenueUncertainError`:
  ``order_status`` finds the order by its client order id, and a second ``submit`` of the id
  asks the venue first and re-sends the identical signed order only if it has no trace of it.

Fills (:mod:`.fills`): MATCHED is provisional, MINED/CONFIRMED confirms, FAILED voids.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.ctf.eip712 import address_of
from adapters.limitless.client import (
    LimitlessClient,
    LimitlessError,
    LimitlessHTTPError,
)
from adapters.limitless.errors import DUPLICATE, REJECTING, rejection_code
from adapters.limitless.fills import OrderState, parse_order
from adapters.limitless.journal import JournalEntry, OrderJournal
from adapters.limitless.market_data import LimitlessMarketData
from adapters.limitless.orders import journal_entry, order_body
from adapters.limitless.parsers import VENUE, ParseError
from engine.ports import OrderRequest, VenueReport, VenueRequestDenied, VenueUncertainError
from engine.secrets import Secret

log = logging.getLogger(__name__)

DEFAULT_FEE_RATE_BPS = 300


def rejected(client_order_id: str, code: str, message: str) -> VenueReport:
    """The report of an order refused (by the venue, or before sending)."""
    return VenueReport(
        client_order_id, accepted=False, reject_code=code, reject_message=message, closed=True
    )


class LimitlessVenue:
    """``engine.ports.VenuePort`` on Limitless (submit, order_status, poll_reports, cancel)."""

    durable = True
    """The venue keeps our orders whatever happens to our process."""

    def __init__(
        self,
        client: LimitlessClient,
        market_data: LimitlessMarketData,
        key: Secret,
        journal: OrderJournal | None = None,
        *,
        chain_id: int = 8453,
        name: str = VENUE,
    ) -> None:
        self.name = name
        self.client = client
        self.market_data = market_data
        self._key = key
        self.address = address_of(key)
        self.journal = journal or OrderJournal()
        self.chain_id = chain_id
        self._profile: tuple[int, int] | None = None
        self._states: dict[str, OrderState] = {}
        self._last: dict[str, VenueReport] = {}
        self._rejections: dict[str, VenueReport] = {}

    def _uncertain(self, what: str, cid: str, error: Exception) -> VenueUncertainError:
        return VenueUncertainError(
            f"limitless {what} of {cid}: outcome unknown: {error}; reconcile with order_status"
        )

    def profile(self) -> tuple[int, int]:
        """(owner id, fee rate in bps) of our token's profile (``GET /profiles/me``)."""
        if self._profile is None:
            answer = self.client.request("GET", "/profiles/me")
            if not isinstance(answer, dict) or answer.get("id") is None:
                raise LimitlessError("GET /profiles/me: no profile id in the answer")
            rank = answer.get("rank")
            fee = rank.get("feeRateBps", DEFAULT_FEE_RATE_BPS) if isinstance(rank, dict) else None
            fee = DEFAULT_FEE_RATE_BPS if fee is None else fee
            self._profile = (int(answer["id"]), int(fee))
        return self._profile

    # -- submit -----------------------------------------------------------------------------

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Check, sign, journal, then POST one order (``at`` is ignored: a live venue trades
        now). Raises VenueRequestDenied when we refuse it before sending (closed market, off
        the grid, FOK, market data unreadable), VenueUncertainError when the outcome is
        unknown."""
        known = self.journal.get(request.client_order_id)
        if known is not None:
            return self._resubmit(known)
        return self._post(self._prepare(request))

    def _prepare(self, request: OrderRequest) -> JournalEntry:
        try:
            slug = request.market_id or self.market_data.slug_of(request.token_id)
            if not slug:
                raise VenueRequestDenied(
                    "MARKET_NOT_FOUND", f"no Limitless market holds token {request.token_id}"
                )
            market = self.market_data.market(slug)
            owner_id, fee_rate_bps = self.profile()
        except (LimitlessError, ParseError) as error:
            raise VenueRequestDenied(
                "MARKET_DATA_UNAVAILABLE", f"order not sent: {error}"
            ) from None
        entry = journal_entry(request, market, fee_rate_bps=fee_rate_bps, owner_id=owner_id)
        try:
            self.journal.record(entry)  # written down before the venue hears of it
        except OSError as error:
            raise VenueRequestDenied(
                "JOURNAL_UNWRITABLE", f"order not sent: the order journal: {error.strerror}"
            ) from None
        return entry

    def _resubmit(self, known: JournalEntry) -> VenueReport:
        status = self.order_status(known.client_order_id)
        if status is not None:
            return status
        log.info("limitless order %s was never received: re-sending it", known.client_order_id)
        return self._post(known)

    def _post(self, entry: JournalEntry) -> VenueReport:
        cid = entry.client_order_id
        body = order_body(entry, self._key, self.address, chain_id=self.chain_id)
        try:
            answer = self.client.request("POST", "/orders", payload=body)
        except LimitlessHTTPError as error:
            if error.status == DUPLICATE:  # the venue has this very order: never re-send
                found = self.order_status(cid)
                if found is not None:
                    return found
                raise self._uncertain("POST /orders (409)", cid, error) from None
            if error.status not in REJECTING:
                raise self._uncertain("POST /orders", cid, error) from None
            code = rejection_code(error.status, error.message)
            log.info("limitless order %s rejected: %s %s", cid, code, error.message)
            self.journal.mark_final(cid)
            report = rejected(cid, code, error.message)
            self._rejections[cid] = report
            return report
        except LimitlessError as error:
            raise self._uncertain("POST /orders", cid, error) from None
        try:
            state = parse_order(answer, price=Decimal(entry.price))
        except ParseError as error:
            raise self._uncertain("POST /orders (unreadable answer)", cid, error) from None
        log.info("limitless order %s accepted: %s", cid, state.status or "no status")
        return self._remember(cid, state)

    def _remember(self, cid: str, state: OrderState) -> VenueReport:
        known = self._states.get(cid)
        if known is not None:
            known.merge(state)
            state = known
        report = state.report(cid)
        self._last[cid] = report
        if state.closed and state.settled:
            self._states.pop(cid, None)
            self.journal.mark_final(cid)
        else:
            self._states[cid] = state
        return report

    # -- the rest of the port ---------------------------------------------------------------

    def _user_orders(self, slug: str) -> dict[str, Any]:
        """Our orders of a market by client order id (``GET /markets/{slug}/user-orders``)."""
        answer = self.client.request("GET", f"/markets/{slug}/user-orders")
        rows = answer.get("orders", []) if isinstance(answer, dict) else answer
        found: dict[str, Any] = {}
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and row.get("clientOrderId"):
                found[str(row["clientOrderId"])] = row
        return found

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """The venue's report of an order, found by its client order id in its market's
        orders; None when it was never journaled or the venue has no trace of it."""
        entry = self.journal.get(client_order_id)
        if entry is None:
            return None
        try:
            row = self._user_orders(entry.slug).get(client_order_id)
            state = None if row is None else parse_order(row, price=Decimal(entry.price))
        except (LimitlessError, ParseError) as error:
            raise self._uncertain("order status", client_order_id, error) from None
        if state is None:
            if client_order_id in self.journal.final:  # refused when it was sent
                return self._rejections.get(client_order_id) or rejected(
                    client_order_id, "REJECTED_BEFORE", "the venue refused this order when sent"
                )
            return None
        return self._remember(client_order_id, state)

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Reports of followed orders whose state changed (fills, settlements, cancels): one
        ``user-orders`` read per market. ``accounts`` is ignored (the journal has no agent)."""
        for entry in self.journal.unfinished():
            self._states.setdefault(entry.client_order_id, OrderState("", ""))
        by_slug: dict[str, list[JournalEntry]] = defaultdict(list)
        for cid in list(self._states):
            known = self.journal.get(cid)
            if known is not None:
                by_slug[known.slug].append(known)
        reports = []
        for slug, entries in by_slug.items():
            try:
                rows = self._user_orders(slug)
            except LimitlessError as error:
                log.warning("limitless orders of %s not read: %s", slug, error)
                continue
            for entry in entries:
                cid = entry.client_order_id
                row = rows.get(cid)
                if row is None:
                    continue
                previous = self._last.get(cid)
                report = self._remember(cid, parse_order(row, price=Decimal(entry.price)))
                if report != previous:
                    reports.append(report)
        return reports

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Cancel a resting order (``DELETE /orders/{id}``); its report after (None: never
        sent, or unknown to the venue)."""
        status = self.order_status(client_order_id)
        state = self._states.get(client_order_id)
        if status is None or not status.accepted or status.closed or state is None:
            return status
        try:
            self.client.request("DELETE", f"/orders/{state.venue_order_id}")
        except LimitlessHTTPError as error:
            if error.status not in REJECTING:
                raise self._uncertain("cancel", client_order_id, error) from None
            log.info("limitless cancel of %s refused: %s", client_order_id, error)
        except LimitlessError as error:
            raise self._uncertain("cancel", client_order_id, error) from None
        return self.order_status(client_order_id)
