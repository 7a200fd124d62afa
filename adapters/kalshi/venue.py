"""The Kalshi venue (Trade API V2), as ``engine.ports.VenuePort``.

``submit`` checks the order against the market first (a closed market, a price off the
tick, a count off the market's step: ``VenueRequestDenied``, nothing is sent), writes it to
the journal, then POSTs the V2 body. Then:

- a 4xx is Kalshi's no: a rejected report with its code (:data:`.orders.CODES`);
- a 409 on the create means Kalshi already has this client order id: the first one
  arrived, and its report is answered (never a second order);
- no answer, a 5xx, or 429 after the write budget: :class:`VenueUncertainError`; the
  order is found again by ``order_status`` (the journal names its ticker; Kalshi's order list
  holds its client order id), and a second ``submit`` asks first, then re-sends the identical
  body only if Kalshi has no trace of it;
- accepted: the order's state (``GET /portfolio/orders/{id}``) and its fills
  (``GET /portfolio/fills?order_id=``) with Kalshi's fee per fill, prices on our leg.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.kalshi.books import BadAnswer, dec, split_token, tick_of
from adapters.kalshi.books import size_step_of as step_of
from adapters.kalshi.client import KalshiClient, KalshiError, KalshiHTTPError
from adapters.kalshi.journal import JournalEntry, OrderJournal
from adapters.kalshi.market_data import KalshiMarketData
from adapters.kalshi.orders import reject_code, to_leg_price, v2_body
from engine.grid import on_grid
from engine.ports import (
    OrderRequest,
    VenueFill,
    VenueReport,
    VenueRequestDenied,
    VenueUncertainError,
)
from engine.values import dec_str

log = logging.getLogger(__name__)
ORDERS = "/portfolio/events/orders"
CLOSED = {"canceled": "canceled", "executed": "filled"}


def rejected(client_order_id: str, code: str, message: str) -> VenueReport:
    """The report of an order Kalshi (or our check before sending) refused."""
    return VenueReport(
        client_order_id, False, reject_code=code, reject_message=message, closed=True
    )


class KalshiVenue:
    """``engine.ports.VenuePort`` on Kalshi: submit, order_status, poll_reports, cancel."""

    durable = True
    """Kalshi keeps our orders whatever happens to our process."""

    def __init__(
        self,
        client: KalshiClient,
        market_data: KalshiMarketData,
        journal: OrderJournal | None = None,
        *,
        name: str = "kalshi",
    ) -> None:
        self.name = name
        self.client = client
        self.market_data = market_data
        self.journal = journal or OrderJournal()
        self._order_ids: dict[str, str] = {}  # engine client order id -> Kalshi order id
        self._last: dict[str, VenueReport] = {}

    # -- submit -----------------------------------------------------------------------------

    def submit(self, request: OrderRequest, *, at: datetime | None = None) -> VenueReport:
        """Check, journal, then POST one order (``at`` is ignored: a live venue trades now).
        Raises VenueRequestDenied when the order is refused before sending, VenueUncertainError
        when its outcome is unknown."""
        known = self.journal.get(request.client_order_id)
        if known is not None:
            status = self.order_status(request.client_order_id)
            if status is not None:
                return status
            log.info("kalshi order %s was never received: sending it again", known.kalshi_id)
            return self._post(known)
        problem = self._preflight(request)
        if problem is not None:  # our no: nothing is sent (the engine records OrderDenied)
            raise VenueRequestDenied(*problem)
        entry = JournalEntry(
            request.client_order_id, request.token_id, request.order_type.value, v2_body(request)
        )
        self.journal.record(entry)
        return self._post(entry)

    def _preflight(self, request: OrderRequest) -> tuple[str, str] | None:  # noqa: PLR0911
        try:
            ticker, _ = split_token(request.token_id)
            market = self.market_data.market(ticker)
        except ValueError as error:
            return "INVALID_TOKEN", str(error)
        except KalshiError as error:
            return "MARKET_UNKNOWN", f"the market could not be read: {error}"
        if market is None:
            return "MARKET_NOT_FOUND", f"kalshi has no market {ticker}"
        status = str(market.get("status") or "")
        if status not in ("active", "open"):
            return "MARKET_CLOSED", f"market {ticker} is {status or 'not open'}"
        tick, step = tick_of(market), step_of(market)
        if not (0 < request.price < 1 and on_grid(request.price, tick)):
            return "INVALID_PRICE", f"price {dec_str(request.price)} is off the tick {tick}"
        if request.size <= 0 or not on_grid(request.size, step):
            return "INVALID_SIZE", f"count {dec_str(request.size)} is off the step {step}"
        return None

    def _post(self, entry: JournalEntry) -> VenueReport:
        cid = entry.client_order_id
        try:
            answer = self.client.post(ORDERS, entry.body)
        except KalshiHTTPError as error:
            if error.status == 409:  # Kalshi has this client order id: the first one arrived
                status = self.order_status(cid)
                if status is not None:
                    return status
                raise self._uncertain(entry, error) from None
            return self._refused(entry, reject_code(error.code), error.message or error.code)
        except KalshiError as error:
            raise self._uncertain(entry, error) from None
        order_id = answer.get("order_id") if isinstance(answer, dict) else None
        if not order_id:  # a "soft rejection": 2xx without an order id
            return self._refused(entry, "VENUE_REJECTED", "the answer carried no order id")
        self._order_ids[cid] = str(order_id)
        log.info("kalshi order %s (%s) accepted as %s", entry.kalshi_id, cid, order_id)
        try:
            return self._report(entry)
        except (KalshiError, BadAnswer) as error:
            raise self._uncertain(entry, error) from None

    def _refused(self, entry: JournalEntry, code: str, message: str) -> VenueReport:
        log.info("kalshi order %s refused: %s %s", entry.kalshi_id, code, message)
        self.journal.mark_final(entry.client_order_id, reject_code=code, reject_message=message)
        return rejected(entry.client_order_id, code, message)

    def _uncertain(self, entry: JournalEntry, error: Exception) -> VenueUncertainError:
        return VenueUncertainError(
            f"kalshi order {entry.kalshi_id} ({entry.client_order_id}): outcome unknown: "
            f"{error}; reconcile with order_status, do not resend"
        )

    # -- what Kalshi knows of an order ----------------------------------------------------------

    def _find(self, entry: JournalEntry) -> str | None:
        """Kalshi's order id of a journalled order (its order list, by client order id)."""
        known = self._order_ids.get(entry.client_order_id)
        if known is not None:
            return known
        cursor = ""
        while True:
            params = {
                "ticker": entry.ticker,
                "limit": "1000",
                **({"cursor": cursor} if cursor else {}),
            }
            page = self.client.get("/portfolio/orders", params)
            for order in page.get("orders") or []:
                if order.get("client_order_id") == entry.kalshi_id:
                    self._order_ids[entry.client_order_id] = str(order["order_id"])
                    return str(order["order_id"])
            cursor = str(page.get("cursor") or "")
            if not cursor:
                return None

    def _fills(self, entry: JournalEntry, order_id: str) -> tuple[VenueFill, ...]:
        fills: list[VenueFill] = []
        cursor = ""
        while True:
            params = {
                "order_id": order_id,
                "limit": "1000",
                **({"cursor": cursor} if cursor else {}),
            }
            page = self.client.get("/portfolio/fills", params)
            for fill in page.get("fills") or []:
                yes_price = dec(fill.get("yes_price_dollars"), "fill yes_price_dollars")
                fills.append(
                    VenueFill(
                        venue_fill_id=str(fill["fill_id"]),
                        price=to_leg_price(entry.token_id, yes_price),
                        size=dec(fill.get("count_fp"), "fill count_fp"),
                        fee=dec(fill.get("fee_cost") or "0", "fill fee_cost"),
                    )
                )
            cursor = str(page.get("cursor") or "")
            if not cursor:
                return tuple(sorted(fills, key=lambda f: f.venue_fill_id))

    def _report(self, entry: JournalEntry) -> VenueReport:
        order_id = self._order_ids[entry.client_order_id]
        answer: Any = self.client.get(f"/portfolio/orders/{order_id}")
        order = answer.get("order") if isinstance(answer, dict) else None
        if not isinstance(order, dict):
            raise BadAnswer(f"GET /portfolio/orders/{order_id} has no order")
        status = str(order.get("status") or "")
        fills = self._fills(entry, order_id)
        initial = dec(order.get("initial_count_fp") or "0", "initial_count_fp")
        closed = status in CLOSED
        reason = ""
        if status == "canceled" and sum((f.size for f in fills), Decimal(0)) < initial:
            reason = (
                "canceled"
                if entry.order_type == "GTC"
                else f"{entry.order_type} remainder canceled"
            )
        report = VenueReport(
            entry.client_order_id,
            True,
            venue_order_id=order_id,
            fills=fills,
            closed=closed,
            close_reason=reason,
        )
        if closed:
            self.journal.mark_final(entry.client_order_id)
        self._last[entry.client_order_id] = report
        return report

    def order_status(
        self, client_order_id: str, *, at: datetime | None = None
    ) -> VenueReport | None:
        """Kalshi's report of an order; None when it was never sent or Kalshi has no trace
        of it. An order refused when it was sent is reported as that refusal again."""
        entry = self.journal.get(client_order_id)
        if entry is None:
            return None
        try:
            order_id = self._find(entry)
            if order_id is None:
                final = self.journal.final.get(client_order_id)
                if final is not None and final.get("reject_code"):
                    return rejected(
                        client_order_id, final["reject_code"], final.get("reject_message", "")
                    )
                return None
            return self._report(entry)
        except (KalshiError, BadAnswer) as error:
            raise self._uncertain(entry, error) from None

    def poll_reports(
        self, *, at: datetime | None = None, accounts: frozenset[str] | None = None
    ) -> list[VenueReport]:
        """Reports of open orders Kalshi is known to hold whose state changed (fills,
        cancels); one that cannot be read now is asked again next time. An order whose POST
        had no answer is followed once ``order_status`` found it (the engine reconciles it);
        after a restart, the engine's recovery asks about each open order first. ``accounts``
        is ignored."""
        reports = []
        for entry in self.journal.unfinished():
            if entry.client_order_id not in self._order_ids:
                continue
            before = self._last.get(entry.client_order_id)
            try:
                report = self.order_status(entry.client_order_id)
            except VenueUncertainError as error:
                log.warning("kalshi order %s not read: %s", entry.kalshi_id, error)
                continue
            if report is not None and report != before:
                reports.append(report)
        return reports

    def cancel(self, client_order_id: str, *, at: datetime | None = None) -> VenueReport | None:
        """Cancel a resting order (``DELETE /portfolio/events/orders/{id}``); its report after
        (None: never sent, or Kalshi has no trace of it)."""
        report = self.order_status(client_order_id)
        entry = self.journal.get(client_order_id)
        if report is None or entry is None or report.closed:
            return report
        order_id = self._order_ids[client_order_id]
        try:
            self.client.delete(f"{ORDERS}/{order_id}", {"market_ticker": entry.ticker})
        except KalshiHTTPError as error:
            log.info("kalshi cancel of %s refused: %s", order_id, error)
        except KalshiError as error:
            raise self._uncertain(entry, error) from None
        return self.order_status(client_order_id)

    def balance(self) -> Decimal:
        """The cash balance in dollars (``GET /portfolio/balance``)."""
        answer = self.client.get("/portfolio/balance")
        if answer.get("balance_dollars") is not None:
            return dec(answer["balance_dollars"], "balance_dollars")
        return dec(answer.get("balance"), "balance") / 100
