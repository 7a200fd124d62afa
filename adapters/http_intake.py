"""What ``tape serve`` does with a request's intents: each recorded with the engine (or as an
invalid input), one request at a time, then decided after the response."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters.dayfile import line_digest
from engine.intent import IntentFormatError, parse_intent
from engine.service import TradingEngine

FEED = "http"


@dataclass
class Intake:
    """Records request bodies with the engine, one request at a time."""

    engine: TradingEngine
    lock: threading.Lock
    feed: str = FEED
    report: Callable[[str], None] = lambda _message: None
    decides: bool = True  # False: an ingest log; engine workers decide (scale-out)

    def record(self, items: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
        """Receive each item (or record it as invalid); returns the receipts and the ids to
        decide (received ones, and duplicates in case an earlier decision was interrupted)."""
        receipts: list[dict[str, Any]] = []
        to_decide: list[str] = []
        with self.lock:
            for number, item in enumerate(items, start=1):
                try:
                    intent = parse_intent(item)
                except IntentFormatError as error:
                    where = f"item {number} of {len(items)}: " if len(items) > 1 else ""
                    reason = f"{where}{error}"
                    self.engine.reject_input(
                        feed=self.feed, line_no=0, reason=reason, digest=_digest(item)
                    )
                    receipts.append(
                        {"intent_id": _claimed_id(item), "status": "invalid", "reason": reason}
                    )
                    continue
                receipt = self.engine.receive(intent, feed=self.feed)
                receipts.append(
                    {"intent_id": receipt.intent_id, "status": receipt.status, "reason": None}
                )
                if self.decides:
                    to_decide.append(intent.intent_id)
        return receipts, to_decide

    def reject_body(self, reason: str, body: bytes) -> None:
        """Record a body that is not JSON at all."""
        with self.lock:
            self.engine.reject_input(
                feed=self.feed,
                line_no=0,
                reason=reason,
                digest=line_digest(body.decode("utf-8", errors="replace")),
            )

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
