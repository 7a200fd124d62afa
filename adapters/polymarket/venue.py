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

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from adapters.polymarket.amounts import GridError, order_amounts
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
    UnsignedOrder,
)
from adapters.polymarket.journal import JournalEntry, OrderJournal
from adapters.polymarket.market_data import PolymarketMarketData
from adapters.polymarket.parsers import (
    VENUE,
    OpenOrderState,
    ParseError,
    TradeFill,
    dec,
    fills_of_trade,
    parse_open_order,
)
from engine.ports import OrderRequest, VenueFill, VenueReport, VenueUncertainError
from engine.values import OrderType, Side, dec_str

log = logging.getLogger(__name__)

TRADE_LOOKBACK_S = 120  # trades are asked for from this long before the order was signed


class _NotSentError(Exception):
    """An order refused before it was sent (a local, proven no)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def salt_of(client_order_id: str) -> int:
    """The order salt derived from the client order id (48 bits: exact as a JSON number)."""
    return int.from_bytes(hashlib.sha256(client_order_id.encode()).digest()[:6], "big")


def _wall_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class TrackedOrder:
    """What the adapter knows of one order it sent."""

    entry: JournalEntry
    accepted: bool = False
    venue_order_id: str = ""
    venue_status: str = ""  # live, matched, delayed, unmatched / LIVE, MATCHED, CANCELED...
    matched_shares: Decimal | None = None  # what the venue said was matched, when it said
    canceled: bool = False
    fills: dict[str, TradeFill] = field(default_factory=dict)
    last_report: VenueReport | None = None

    @property
    def order_type(self) -> OrderType:
        """GTC, FOK or FAK."""
        return OrderType(self.entry.order_type)

    @property
    def size(self) -> Decimal:
        """Ordered shares."""
        return Decimal(self.entry.size)

    def filled(self) -> Decimal:
        """Shares filled by trades that did not fail."""
        return sum((f.size for f in self.fills.values() if not f.failed), Decimal(0))

    def settled(self) -> bool:
        """No fill is still provisional."""
        return all(not f.provisional or f.failed for f in self.fills.values())

    def closure(self) -> tuple[bool, str]:
        """Whether the order can trade no more, and why; never before its fills are known."""
        filled = self.filled()
        seen = sum((f.size for f in self.fills.values()), Decimal(0))  # failed ones too
        fills_known = self.matched_shares is None or seen >= self.matched_shares
        status = self.venue_status.upper()
        done_statuses = {"MATCHED", "UNMATCHED", "CANCELED", "EXPIRED", "CANCELED_MARKET_RESOLVED"}
        if filled >= self.size:
            closed, reason = True, "filled"
        elif self.canceled:
            closed, reason = fills_known, "canceled"
        elif self.order_type is not OrderType.GTC:
            closed = status in done_statuses and fills_known
            unfilled = dec_str(self.size - filled)
            reason = f"{self.order_type.value} remainder canceled ({unfilled} unfilled)"
        elif status == "MATCHED":
            closed, reason = fills_known, "matched"
        else:
            closed = status in done_statuses and fills_known
            reason = f"canceled at the venue ({status.lower()})"
        return closed, reason if closed else ""

    def report(self) -> VenueReport:
        """The order's whole state as a VenueReport."""
        closed, reason = self.closure()
        fills = tuple(
            VenueFill(f.fill_id, f.price, f.size, f.fee, provisional=f.provisional)
            for f in self.fills.values()
            if not f.failed
        )
        voided = tuple(f.fill_id for f in self.fills.values() if f.failed)
        return VenueReport(
            client_order_id=self.entry.client_order_id,
            accepted=True,
            venue_order_id=self.venue_order_id or self.entry.order_hash,
            fills=fills,
            closed=closed,
            close_reason=reason if closed else "",
            voided_fills=voided,
        )


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

    @staticmethod
    def _rejected(request_id: str, code: str, message: str) -> VenueReport:
        return VenueReport(
            client_order_id=request_id,
            accepted=False,
            reject_code=code,
            reject_message=message,
            closed=True,
        )

    def _uncertain(self, what: str, entry: JournalEntry, error: Exception) -> VenueUncertainError:
        return VenueUncertainError(
            f"polymarket {what} of {entry.client_order_id} (order {entry.order_hash}): "
            f"outcome unknown: {error}; reconcile with order_status, do not resend"
        )

    def _sign(self, entry: JournalEntry) -> SignedOrder:
        return self.exchange.sign_order(
            UnsignedOrder(
                token_id=entry.token_id,
                side=Side(entry.side),
                maker_amount=entry.maker_amount,
                taker_amount=entry.taker_amount,
                neg_risk=entry.neg_risk,
                salt=entry.salt,
                timestamp_ms=entry.timestamp_ms,
            )
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
        try:
            entry, signed = self._prepare(request)
        except _NotSentError as error:
            return self._rejected(request.client_order_id, error.code, error.message)
        return self._post(entry, signed)

    def _resubmit(self, known: JournalEntry) -> VenueReport:
        """A client order id signed before: the venue's word on it, else the identical order."""
        status = self.order_status(known.client_order_id)
        if status is not None:
            return status
        log.info("polymarket order %s was never received: re-sending it", known.order_hash)
        return self._post(known, self._sign(known))

    def _prepare(self, request: OrderRequest) -> tuple[JournalEntry, SignedOrder]:
        """Check, size, sign and journal an order; raises _NotSentError for a local no."""
        cid = request.client_order_id
        try:
            params = self.market_data.order_params(request.token_id)
        except ExchangeError as error:
            raise _NotSentError("MARKET_DATA_UNAVAILABLE", f"order not sent: {error}") from None
        if params is None:
            raise _NotSentError(
                "MARKET_NOT_FOUND", f"no Polymarket market holds token {request.token_id}"
            )
        if params.closed_reason:
            raise _NotSentError("MARKET_CLOSED", params.closed_reason)
        try:
            amounts = order_amounts(
                request.side,
                request.order_type,
                request.price,
                request.size,
                tick=params.tick_size,
            )
        except GridError as error:
            raise _NotSentError(error.code, error.message) from None
        entry = JournalEntry(
            client_order_id=cid,
            order_hash="",
            token_id=request.token_id,
            market_id=request.market_id or params.market_id,
            side=request.side.value,
            order_type=request.order_type.value,
            price=dec_str(request.price),
            size=dec_str(request.size),
            neg_risk=params.neg_risk,
            maker_amount=amounts.maker_amount,
            taker_amount=amounts.taker_amount,
            salt=salt_of(cid),
            timestamp_ms=self.clock_ms(),
        )
        try:
            signed = self._sign(entry)
        except (ExchangeError, ValueError) as error:
            raise _NotSentError("SIGNING_FAILED", f"order not sent: {error}") from None
        entry = replace(entry, order_hash=signed.order_hash)
        try:
            self.journal.record(entry)  # written down before the venue hears of it
        except OSError as error:
            raise _NotSentError(
                "JOURNAL_UNWRITABLE",
                f"order not sent: cannot write the order journal: {error.strerror}",
            ) from None
        return entry, signed

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
        tracked.matched_shares = self._matched_shares(entry, answer)
        log.info(
            "polymarket order %s (%s) accepted: %s",
            entry.order_hash,
            entry.client_order_id,
            tracked.venue_status or "no status",
        )
        if tracked.venue_status in ("matched", "delayed") or answer.get("tradeIDs"):
            try:
                self._refresh_fills([tracked])
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
        report = self._rejected(entry.client_order_id, rejection.code, rejection.message)
        self._rejections[entry.client_order_id] = report
        return report

    @staticmethod
    def _matched_shares(entry: JournalEntry, answer: dict[str, object]) -> Decimal | None:
        """Shares the POST answer says were matched (BUY: takingAmount; SELL: makingAmount)."""
        key = "takingAmount" if entry.side == Side.BUY.value else "makingAmount"
        value = answer.get(key)
        if value in (None, ""):
            return None
        try:
            return dec(value, key)
        except ParseError:
            return None

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

    # -- fills ------------------------------------------------------------------------------

    def _refresh_fills(self, orders: list[TrackedOrder]) -> None:
        """Read the trades of the orders' tokens and update their fills (one call per token)."""
        by_token: dict[str, list[TrackedOrder]] = {}
        for order in orders:
            by_token.setdefault(order.entry.token_id, []).append(order)
        for token, group in sorted(by_token.items()):
            after = min(o.entry.timestamp_ms for o in group) // 1000 - TRADE_LOOKBACK_S
            trades = self.exchange.get_trades(asset_id=token, after=max(after, 0))
            for order in group:
                for trade in trades:
                    try:
                        found = fills_of_trade(
                            trade, order.entry.order_hash, units=self.trade_units
                        )
                    except ParseError as error:
                        log.warning("polymarket trade skipped: %s", error)
                        continue
                    for fill in found:
                        order.fills[fill.fill_id] = fill
                        order.accepted = True

    def _apply_order_state(self, order: TrackedOrder, state: OpenOrderState) -> None:
        order.accepted = True
        order.venue_order_id = order.venue_order_id or state.order_hash
        order.venue_status = state.status
        order.matched_shares = state.size_matched
        if state.status.startswith("CANCELED"):
            order.canceled = True

    def _lookup(self, order: TrackedOrder) -> OpenOrderState | None:
        try:
            raw = self.exchange.get_order(order.entry.order_hash)
        except ExchangeHTTPError as error:
            if error.status in (400, 404):
                return None
            raise
        if raw is None:
            return None
        try:
            return parse_open_order(raw, units=self.trade_units)
        except ParseError as error:
            raise ExchangeError(f"GET /data/order: {error}") from None

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
            state = self._lookup(order)
            self._refresh_fills([order])
        except ExchangeError as error:
            raise self._uncertain("order status", entry, error) from None
        if state is not None:
            self._apply_order_state(order, state)
        elif not order.fills and not order.accepted:
            if client_order_id in self.journal.final:  # refused when it was sent
                return self._rejections.get(client_order_id) or self._rejected(
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
            self._refresh_fills(orders)
        except ExchangeError as error:
            log.warning("polymarket trades not read: %s", error)
            return []
        reports = []
        for order in orders:
            if not order.closure()[0]:
                try:
                    state = self._lookup(order)
                except ExchangeError as error:
                    log.warning("polymarket order %s not read: %s", order.entry.order_hash, error)
                    continue
                if state is not None:
                    self._apply_order_state(order, state)
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
