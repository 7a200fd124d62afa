"""``tape export-day``: a store's recorded inputs written back out as a ``tape.day/1`` file.

For every intent received, in log order: the book its decision used (when it differs from the
last one written for that token), then the intent, both at the time it was received; for every
redelivery, the intent again; for every market resolution that settled positions, its
``resolution`` record; for every market event a strategy saw, its ``book`` or ``trade`` record
at its time (once, however many agents saw it), and not the intents the strategies gave, which
the run of the file gives again. The first line is the first decision's book at the time the
agents were registered, so a run of the file registers them at the same time. Running the file
on a fresh store gives the same decision digest as the original (feeds and line numbers are not
part of it). Unreadable lines are recorded only by digest and are not written back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any
from uuid import UUID

from adapters.replay.log import stored_events
from engine.agents import Agent
from engine.application import TapeApplication
from engine.ids import intent_uuid
from engine.intent import format_utc, parse_utc
from engine.intents import VERDICTS, Intent
from engine.positions import Position
from engine.strategies.base import BookSeen, market_event_from_record
from engine.strategies.run import StrategyRun


def _books_of_verdicts(app: TapeApplication) -> tuple[dict[UUID, dict[str, Any]], set[UUID]]:
    # The books of the verdicts of intents from outside, and the intents strategies gave
    # (written out as the market events that led to them, not as intents).
    books: dict[UUID, dict[str, Any]] = {}
    emitted: set[UUID] = set()
    for stored in stored_events(app):
        event = stored.event
        if isinstance(event, StrategyRun.MarketObserved):
            emitted.update(intent_uuid(intent["intent_id"]) for intent in event.intents)
        elif isinstance(event, VERDICTS) and event.book and stored.originator_id not in emitted:
            books[stored.originator_id] = event.book
    return books, emitted


def _market_line(observed: Any) -> str:
    record = {"type": observed.market["type"], "at": observed.at, **observed.market}
    return json.dumps(record, separators=(",", ":"))


def _observed_line(
    observed: Any,
    day: date | None,
    written: set[tuple[str, int, str]],
    last_book: dict[tuple[str, str], dict[str, Any]],
) -> Iterator[str]:
    # A market event a strategy saw, once however many agents' strategies saw it.
    line = _market_line(observed)
    seen = (observed.feed, observed.line_no, line)
    if seen in written or (day is not None and observed.timestamp.date() != day):
        return
    written.add(seen)
    if observed.market["type"] == "book":
        key = (observed.market["venue"], observed.market["token_id"])
        last_book[key] = _as_verdict_book(observed)
    yield line


def _as_verdict_book(observed: Any) -> dict[str, Any]:
    # The observed book in the form a verdict records it, to know when it is written already.
    event = market_event_from_record(observed.market, parse_utc(observed.at), observed.at)
    return event.book.to_record() if isinstance(event, BookSeen) else {}


def _book_line(book: dict[str, Any], at: str) -> str:
    record = {"type": "book", "at": at, **{k: v for k, v in book.items() if k != "at"}}
    return json.dumps(record, separators=(",", ":"))


def _intent_line(intent: dict[str, Any], at: str) -> str:
    return json.dumps({"type": "intent", "at": at, "intent": intent}, separators=(",", ":"))


def _resolution_line(venue: str, market_id: str, at: datetime, winning_token_id: str) -> str:
    record = {
        "type": "resolution",
        "at": format_utc(at),
        "venue": venue,
        "market_id": market_id,
        "winning_token_id": winning_token_id,
    }
    return json.dumps(record, separators=(",", ":"))


def export_day(app: TapeApplication, *, day: date | None = None) -> Iterator[str]:
    """The recorded inputs as ``tape.day/1`` lines (only the intents received on ``day``)."""
    books, emitted = _books_of_verdicts(app)
    written_markets: set[tuple[str, int, str]] = set()
    payloads: dict[UUID, dict[str, Any]] = {}
    last_book: dict[tuple[str, str], dict[str, Any]] = {}
    registered = False
    venues: dict[UUID, str] = {}
    resolved: set[tuple[str, str, datetime]] = set()
    for stored in stored_events(app):
        event = stored.event
        if isinstance(event, Agent.AgentRegistered) and not registered and books:
            registered = True
            first = next(iter(books.values()))
            last_book[(first["venue"], first["token_id"])] = first
            yield _book_line(first, format_utc(event.timestamp))
            continue
        if isinstance(event, StrategyRun.MarketObserved):
            yield from _observed_line(event, day, written_markets, last_book)
            continue
        if isinstance(event, Position.PositionOpened):
            venues[stored.originator_id] = event.venue
        if isinstance(event, Position.PositionSettled):
            resolution = (venues[stored.originator_id], event.market_id, event.timestamp)
            if resolution not in resolved and (day is None or event.timestamp.date() == day):
                resolved.add(resolution)
                yield _resolution_line(*resolution, event.winning_token_id)
            continue
        if not isinstance(event, (Intent.IntentReceived, Intent.IntentRedelivered)):
            continue
        if stored.originator_id in emitted:
            continue  # a strategy's: its market event is written, and gives it again
        if isinstance(event, Intent.IntentReceived):
            payloads[stored.originator_id] = event.intent
        if day is not None and event.timestamp.date() != day:
            continue
        at = format_utc(event.timestamp)
        book = books.get(stored.originator_id)
        if isinstance(event, Intent.IntentReceived) and book is not None:
            key = (book["venue"], book["token_id"])
            if last_book.get(key) != book:
                last_book[key] = book
                yield _book_line(book, at)
        yield _intent_line(payloads[stored.originator_id], at)
