"""What ``tape serve`` does with a request's intents: each recorded with the engine (or as an
invalid input), then decided after the response. The engine is taken one item at a time (a
lock held per item, not per request), so a large batch never holds back other requests for
long. A write the store refuses (a full disk, a read-only file) stops the request with
:class:`StoreUnwritableError` (a 503) and shows in ``/health``; the items before it stay
recorded (their redelivery is a duplicate)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from adapters.dayfile import line_digest
from adapters.store_health import StoreHealth, is_write_failure
from engine.intent import IntentFormatError, parse_intent
from engine.service import TradingEngine

FEED = "http"
_T = TypeVar("_T")


class StoreUnwritableError(RuntimeError):
    """The store refused a write: the request cannot be recorded (a 503)."""


@dataclass
class Intake:
    """Records request bodies with the engine, one request at a time."""

    engine: TradingEngine
    lock: threading.Lock
    feed: str = FEED
    report: Callable[[str], None] = lambda _message: None
    decides: bool = True  # False: an ingest log; engine workers decide (scale-out)
    store: StoreHealth = field(default_factory=StoreHealth)

    def record(self, items: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
        """Receive each item (or record it as invalid); returns the receipts and the ids to
        decide (received ones, and duplicates in case an earlier decision was interrupted)."""
        receipts: list[dict[str, Any]] = []
        to_decide: list[str] = []
        for number, item in enumerate(items, start=1):
            try:
                intent = parse_intent(item)
            except IntentFormatError as error:
                where = f"item {number} of {len(items)}: " if len(items) > 1 else ""
                reason = f"{where}{error}"
                self._write(
                    partial(
                        self.engine.reject_input,
                        feed=self.feed,
                        line_no=0,
                        reason=reason,
                        digest=_digest(item),
                    )
                )
                receipts.append(
                    {"intent_id": _claimed_id(item), "status": "invalid", "reason": reason}
                )
                continue
            receipt = self._write(partial(self.engine.receive, intent, feed=self.feed))
            why = None
            if receipt.status == "unfollowed":
                why = f"no copy agent follows trader {intent.source.trader}"
            receipts.append(
                {"intent_id": receipt.intent_id, "status": receipt.status, "reason": why}
            )
            if self.decides:
                to_decide.extend(receipt.to_decide)  # a signal: each follower's intent
        return receipts, to_decide

    def reject_body(self, reason: str, body: bytes) -> None:
        """Record a body that is not JSON at all."""
        digest = line_digest(body.decode("utf-8", errors="replace"))
        self._write(
            partial(
                self.engine.reject_input, feed=self.feed, line_no=0, reason=reason, digest=digest
            )
        )

    def _write(self, write: Callable[[], _T]) -> _T:
        """One write to the engine under the lock; a store that refuses it is reported."""
        with self.lock:
            try:
                done = write()
            except Exception as error:
                if not is_write_failure(error):
                    raise
                self.store.write_failed(error)
                raise StoreUnwritableError(
                    f"the store cannot be written ({type(error).__name__}); nothing more of "
                    "this request was recorded: send it again later"
                ) from error
        self.store.write_succeeded()
        return done

    def decide(self, intent_ids: list[str]) -> None:
        """Decide (as recorded) and execute each intent not decided yet; a failure is
        reported, never raised."""
        for intent_id in intent_ids:
            try:
                with self.lock:
                    for order_id in self.engine.decide_pending(intent_id):
                        self.engine.execute(order_id)
            except Exception as error:  # the receipt stands; recovery finishes the decision
                self.report(
                    f"deciding {intent_id} failed: {type(error).__name__}: {error}; "
                    "it stays received and is decided by the next start's recovery"
                )


def _digest(item: Any) -> str:
    try:
        text = json.dumps(item, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(item)
    return line_digest(text)


def _claimed_id(item: Any) -> str | None:
    if isinstance(item, dict) and isinstance(item.get("intent_id"), str):
        return str(item["intent_id"])
    return None
