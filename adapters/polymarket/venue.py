"""The Polymarket CLOB V2 venue, as ``engine.ports.VenuePort``.

``submit`` signs an EIP-712 V2 order from integer micro-unit amounts (:mod:`.amounts`), writes
it to the journal (:mod:`.journal`) and only then POSTs it. The answer becomes a report:

- a proven no (HTTP 4xx, or 200 with ``success: false``) -> ``VenueReport(accepted=False,
  reject_code=...)`` (codes in :mod:`.errors`); orders refused before sending (off grid,
  closed market, unknown token) get the same kind of report and never reach the venue;
- no answer, 5xx, or 429 after the bounded backoff -> :class:`VenueUncertainError`: the order
  may be at the venue; ``order_status`` finds it by its hash, and a second ``submit`` of the
  same client order id asks the venue first and, if it never got the order, re-sends the
  *identical* signed order (same salt, timestamp and hash), so it cannot trade twice;
- accepted -> fills from ``/data/trades``. A trade MATCHED, MINED or RETRYING is a provisional
  fill (``VenueFill.provisional``); CONFIRMED reports the same ``venue_fill_id`` again with
  ``provisional=False``; FAILED puts the id in ``VenueReport.voided_fills``.

Every report carries the order's whole state (all fills so far, all voided ids): the engine
applies a fill id once, so reports can be repeated safely. ``poll_reports`` returns a report
for each followed order whose state changed since the last one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from adapters.polymarket.errors import (
    Rejection,
    classify,
    error_message,
    rejection_code,
    rejection_of,
)
from adapters.polymarket.exchange import (
    ExchangeClient,
    ExchangeError,
    ExchangeHTTPError,
    ExchangeTransportError,
    SignedOrder,
)
from adapters.polymarket.journal import JournalEntry, OrderJournal
from adapters.polymarket.market_data import PolymarketMarketData
from adapters.polymarket.parsers import (
    VENUE,
)
from adapters.polymarket.preflight import prepare, rejected, sign
from adapters.polymarket.tracked import (
    TrackedOrder,
    apply_order_state,
    lookup,
    matched_shares,
    refresh_fills,
)
from engine.ports import OrderRequest, VenueReport, VenueUncertainError
from engine.values import OrderType

log = logging.getLogger(__name__)


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


class PolymarketVenue:
    """``engine.ports.VenuePort`` on the Polymarket CLOB V2 (submit, order_status,
    poll_reports, cancel)."""

    durable = True
    """The CLOB keeps our orders whatever happens to our process."""

    def __init__(
        self,
        exchange: ExchangeClient,
        market_data: PolymarketMarketData,
        journal: OrderJournal | None = None,
        *,
        name: str = VENUE,
        clock_ms: Callable[[], int] = _wall_ms,
        trade_units: str = "shares",
    ) -> None:
        self.name = name
        self.exchange = exchange
        self.market_data = market_data
        self.journal = journal or OrderJournal()
        self.clock_ms = clock_ms
        self.trade_units = trade_units
        self._tracked: dict[str, TrackedOrder] = {}
        self._rejections: dict[str, VenueReport] = {}
        self._loaded = False

    # -- helpers ----------------------------------------------------------------------------

    def _uncertain(self, what: str, entry: JournalEntry, error: Exception) -> VenueUncertainError:
        return VenueUncertainError(
            f"polymarket {what} of {entry.client_order_id} (order {entry.order_hash}): "
            f"outcome unknown: {error}; reconcile with order_status, do not resend"
        )

    def _load_journal(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for entry in self.journal.unfinished():
            self._tracked.setdefault(entry.client_order_id, TrackedOrder(entry))

    # -- submit -----------------------------------------------------------------------------

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Sign, journal, then POST one order; raises VenueUncertainError when the outcome
        is unknown (the order may be at the venue). ``at`` is ignored: a live venue trades
        now, and the order's timestamp is the wall clock's."""
        known = self.journal.get(request.client_order_id)
        if known is not None:
            return self._resubmit(known)
        entry, signed = prepare(  # raises VenueRequestDenied: nothing was sent
            request,
            market_data=self.market_data,
            exchange=self.exchange,
            journal=self.journal,
            timestamp_ms=self.clock_ms(),
        )
        return self._post(entry, signed)

    def _resubmit(self, known: JournalEntry) -> VenueReport:
        """A client order id signed before: the venue's word on it, else the identical order."""
        status = self.order_status(known.client_order_id)
        if status is not None:
            return status
        log.info("polymarket order %s was never received: re-sending it", known.order_hash)
        return self._post(known, sign(self.exchange, known))

    def _post(self, entry: JournalEntry, signed: SignedOrder) -> VenueReport:
        try:
            answer = self.exchange.post_order(signed, OrderType(entry.order_type))
        except ExchangeHTTPError as error:
            kind = classify(error.status)
            if kind != "reject":
                raise self._uncertain("POST /order", entry, error) from None
            return self._venue_no(entry, rejection_of(error.status, error.body))
        except (ExchangeTransportError, ExchangeError) as error:
            raise self._uncertain("POST /order", entry, error) from None
        if answer.get("success") is False or (answer.get("errorMsg") and not answer.get("orderID")):
            message = error_message({"error": answer.get("errorMsg")}) or "success: false"
            return self._venue_no(entry, Rejection(rejection_code(message), message))
        tracked = TrackedOrder(entry, accepted=True)
        venue_id = str(answer.get("orderID") or entry.order_hash).lower()
        if venue_id != entry.order_hash:
            log.warning(
                "polymarket order id %s differs from the signed hash %s", venue_id, entry.order_hash
            )
        tracked.venue_order_id = venue_id
        tracked.venue_status = str(answer.get("status", "")).lower()
        tracked.matched_shares = matched_shares(entry, answer)
        log.info(
            "polymarket order %s (%s) accepted: %s",
            entry.order_hash,
            entry.client_order_id,
            tracked.venue_status or "no status",
        )
        if tracked.venue_status in ("matched", "delayed") or answer.get("tradeIDs"):
            try:
                refresh_fills(self.exchange, [tracked], units=self.trade_units)
            except ExchangeError as error:
                log.warning("polymarket trades of %s not read yet: %s", entry.order_hash, error)
        return self._remember(tracked)

    def _venue_no(self, entry: JournalEntry, rejection: Rejection) -> VenueReport:
        if rejection.code == "DUPLICATE_ORDER":  # the venue already has this very order
            status = self.order_status(entry.client_order_id)
            if status is not None:
                return status
        if rejection.code == "INVALID_PRICE":
            self.market_data.forget_tick(entry.token_id)
        log.info(
            "polymarket order %s (%s) rejected: %s %s",
            entry.order_hash,
            entry.client_order_id,
            rejection.code,
            rejection.message,
        )
        self.journal.mark_final(entry.client_order_id)
        report = rejected(entry.client_order_id, rejection.code, rejection.message)
        self._rejections[entry.client_order_id] = report
        return report

    def _remember(self, tracked: TrackedOrder) -> VenueReport:
        report = tracked.report()
        tracked.last_report = report
        cid = tracked.entry.client_order_id
        if report.closed and tracked.settled():
            self._tracked.pop(cid, None)
            self.journal.mark_final(cid)
        else:
            self._tracked[cid] = tracked
        return report

    # -- the rest of the port ---------------------------------------------------------------

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """The venue's report of an order, found through the journal's hash; None when the
        order was never signed and written, or the venue has no trace of it. An order the
        venue refused when it was sent is reported as that rejection again."""
        entry = self.journal.get(client_order_id)
        if entry is None:
            return None
        order = self._tracked.get(client_order_id) or TrackedOrder(entry)
        try:
            state = lookup(self.exchange, order, units=self.trade_units)
            refresh_fills(self.exchange, [order], units=self.trade_units)
        except ExchangeError as error:
            raise self._uncertain("order status", entry, error) from None
        if state is not None:
            apply_order_state(order, state)
        elif not order.fills and not order.accepted:
            if client_order_id in self.journal.final:  # refused when it was sent
                return self._rejections.get(client_order_id) or rejected(
                    client_order_id,
                    "REJECTED_BEFORE",
                    f"the venue refused order {entry.order_hash} when it was sent",
                )
            return None  # the venue never received it (or killed it unseen)
        elif order.order_type is not OrderType.GTC and not order.venue_status:
            order.venue_status = "MATCHED"  # a FAK/FOK that traded is done
        return self._remember(order)

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Reports of followed orders whose state changed (fills, confirmations, voids,
        cancels). A venue that cannot be read now is logged and asked again next time.
        ``accounts`` is ignored: the adapter follows every order in its journal, whichever
        agent sent it (the journal does not record the agent)."""
        self._load_journal()
        orders = list(self._tracked.values())
        if not orders:
            return []
        try:
            refresh_fills(self.exchange, orders, units=self.trade_units)
        except ExchangeError as error:
            log.warning("polymarket trades not read: %s", error)
            return []
        reports = []
        for order in orders:
            if not order.closure()[0]:
                try:
                    state = lookup(self.exchange, order, units=self.trade_units)
                except ExchangeError as error:
                    log.warning("polymarket order %s not read: %s", order.entry.order_hash, error)
                    continue
                if state is not None:
                    apply_order_state(order, state)
                elif not order.accepted:
                    continue  # never reached the venue: order_status will say so
            previous = order.last_report
            report = self._remember(order)
            if report != previous:
                reports.append(report)
        return reports

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Cancel a resting order (DELETE /order by its hash); its report after the cancel
        (None: never sent)."""
        entry = self.journal.get(client_order_id)
        if entry is None:
            return None
        try:
            answer = self.exchange.cancel_order(entry.order_hash)
        except ExchangeHTTPError as error:
            if classify(error.status) != "reject":
                raise self._uncertain("cancel", entry, error) from None
            log.info("polymarket cancel of %s refused: %s", entry.order_hash, error)
            return self.order_status(client_order_id)
        except ExchangeError as error:
            raise self._uncertain("cancel", entry, error) from None
        canceled = {str(h).lower() for h in answer.get("canceled") or []}
        report = self.order_status(client_order_id)
        if entry.order_hash in canceled:
            order = self._tracked.get(client_order_id)
            if order is not None:
                order.canceled = True
                report = self._remember(order)
        else:
            reasons = answer.get("not_canceled") or {}
            log.info("polymarket cancel of %s: not canceled: %s", entry.order_hash, reasons)
        return report
