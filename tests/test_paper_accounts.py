"""Every agent is its own paper account: its own view of the recorded books, its own resting
orders and reports, and, in the paper venue process, its own place on the day's tape. So what
an agent gets depends on the day and its own orders only, not on other agents, on how they are
split across workers, or on how their requests interleave."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.clock import ManualClock
from adapters.dayfile import BookRecord, IntentRecord, read_day
from adapters.paper.http_venue import HttpPaperVenues
from adapters.paper.ledger import LedgerFile
from adapters.paper.routes import make_server
from adapters.paper.server import LedgerMismatchError, PaperVenueService
from adapters.paper.venue import PaperVenue, PaperVenues
from adapters.paper.wire import book_to_json, report_to_json, request_to_json
from adapters.sample_day.day import write_day
from engine.intent import format_utc
from engine.ports import OrderRequest, VenueReport
from engine.values import Book, OrderType, Side
from tests.conftest import (
    MARKET,
    OTHER_TOKEN,
    TOKEN,
    VENUE,
    a_book,
    an_order_request,
    levels,
)
from tests.crash_harness import PaperVenueProcess

D = Decimal
T0 = datetime(2026, 1, 30, 14, 0, tzinfo=UTC)
ASKS = (("0.52", "100"), ("0.53", "200"))


def an_order(
    client_order_id: str,
    account: str,
    size: str = "80",
    price: str = "0.53",
    *,
    order_type: OrderType = OrderType.FAK,
    side: Side = Side.BUY,
    token_id: str = TOKEN,
) -> OrderRequest:
    return an_order_request(
        size,
        price,
        client_order_id=client_order_id,
        account=account,
        side=side,
        order_type=order_type,
        token_id=token_id,
    )


def a_venue(asks: tuple[tuple[str, str], ...] = ASKS) -> PaperVenue:
    venue = PaperVenue(VENUE)
    venue.on_book(a_book(bids=(("0.50", "100"),), asks=asks))
    return venue


def taken(report: VenueReport) -> list[tuple[str, str]]:
    return [(str(f.price), str(f.size)) for f in report.fills]


# -- in process: liquidity per account ---------------------------------------------------------


def test_two_accounts_when_both_buy_then_each_gets_the_whole_book() -> None:
    venue = a_venue()

    alice = venue.submit(an_order("a-1", "alice", "250"))
    bob = venue.submit(an_order("b-1", "bob", "250"))

    assert taken(alice) == taken(bob) == [("0.52", "100"), ("0.53", "150")]
    assert venue.book(VENUE, TOKEN, account="alice").asks == levels(("0.53", "50"))  # type: ignore[union-attr]
    assert venue.book(VENUE, TOKEN, account="bob").asks == levels(("0.53", "50"))  # type: ignore[union-attr]
    assert venue.book(VENUE, TOKEN, account="carol").asks == levels(*ASKS)  # type: ignore[union-attr]
    assert venue.book(VENUE, TOKEN).asks == levels(*ASKS)  # type: ignore[union-attr]


def test_an_accounts_second_order_when_its_first_took_liquidity_then_it_sees_what_is_left() -> None:
    venue = a_venue()
    venue.submit(an_order("a-1", "alice", "130"))
    venue.submit(an_order("b-1", "bob", "300"))  # takes everything, in bob's book only

    second = venue.submit(an_order("a-2", "alice", "300"))

    assert taken(second) == [("0.53", "170")]


def test_a_new_book_when_it_arrives_then_every_account_has_the_liquidity_back() -> None:
    venue = a_venue()
    venue.submit(an_order("a-1", "alice", "300"))
    venue.submit(an_order("b-1", "bob", "100"))

    venue.on_book(a_book(asks=(("0.52", "40"),)))

    for account in ("alice", "bob", "dave"):
        assert venue.book(VENUE, TOKEN, account=account).asks == levels(("0.52", "40"))  # type: ignore[union-attr]


def test_an_account_first_seen_later_when_it_trades_then_it_starts_from_the_current_books() -> None:
    venue = a_venue()
    venue.submit(an_order("a-1", "alice", "300"))
    venue.on_book(a_book(asks=(("0.51", "60"),)))

    late = venue.submit(an_order("z-1", "zed", "100", "0.52"))

    assert taken(late) == [("0.51", "60")]


def test_fok_when_another_account_took_the_liquidity_then_it_still_fills() -> None:
    venue = a_venue()
    venue.submit(an_order("a-1", "alice", "300"))

    fok = venue.submit(an_order("b-1", "bob", "300", order_type=OrderType.FOK))

    assert fok.accepted
    assert sum(f.size for f in fok.fills) == 300


# -- in process: ids and reports ---------------------------------------------------------------


def test_venue_order_id_is_the_client_order_ids_whoever_comes_first() -> None:
    first, second = a_venue(), a_venue()

    a_then_b = [first.submit(an_order("a-1", "alice")), first.submit(an_order("b-1", "bob"))]
    b_then_a = [second.submit(an_order("b-1", "bob")), second.submit(an_order("a-1", "alice"))]

    assert [r.venue_order_id for r in a_then_b] == ["paper-a-1", "paper-b-1"]
    assert a_then_b == list(reversed(b_then_a))


def submissions() -> list[tuple[str, OrderRequest | Book]]:
    """Two accounts' orders (some resting) and the books between them, as (account, item);
    a book is for every account."""
    return [
        ("alice", an_order("a-1", "alice", "120")),
        ("alice", an_order("a-2", "alice", "150", "0.52", order_type=OrderType.GTC)),
        ("bob", an_order("b-1", "bob", "350", "0.53", order_type=OrderType.GTC)),
        ("bob", an_order("b-2", "bob", "40", "0.51", side=Side.SELL)),
        ("", a_book(asks=(("0.51", "30"), ("0.52", "500")), at="2026-01-30T14:04:00Z")),
        ("bob", an_order("b-3", "bob", "100", "0.52")),
        ("alice", an_order("a-3", "alice", "100", "0.52")),
        ("", a_book(asks=(("0.52", "1000"),), at="2026-01-30T14:05:00Z")),
    ]


def run_in_order(order: list[str]) -> dict[str, list[VenueReport]]:
    """Feed the submissions account by account in the order given (each account's own items
    in their order, books wherever they fall for it), polling each account's reports."""
    venue = a_venue()
    per_account: dict[str, list[VenueReport]] = {"alice": [], "bob": []}
    items = submissions()
    # Books are shared; the accounts' items between two books may come in any order.
    segments: list[list[tuple[str, OrderRequest | Book]]] = [[]]
    for account, item in items:
        if isinstance(item, Book):
            segments.append([(account, item)])
            segments.append([])
        else:
            segments[-1].append((account, item))
    for segment in segments:
        for account in [*order, ""]:
            for owner, item in segment:
                if owner != account:
                    continue
                if isinstance(item, Book):
                    venue.on_book(item)
                else:
                    per_account[owner].append(venue.submit(item))
        for account in order:
            per_account[account] += venue.poll_reports(accounts=frozenset({account}))
    return per_account


def test_reports_per_account_when_accounts_interleave_differently_then_the_same() -> None:
    alice_first = run_in_order(["alice", "bob"])
    bob_first = run_in_order(["bob", "alice"])

    assert alice_first == bob_first
    assert [r.venue_order_id for r in alice_first["bob"]] == [
        "paper-b-1",
        "paper-b-2",
        "paper-b-1",  # its rest, filled on the 14:04 book
        "paper-b-3",
    ]
    resting = alice_first["alice"][2]  # a-2 rested, then filled on the 14:04 book
    assert resting.client_order_id == "a-2"
    assert taken(resting) == [("0.51", "30"), ("0.52", "120")]
    assert taken(alice_first["alice"][3]) == [("0.52", "100")]


def test_poll_reports_when_accounts_named_then_only_theirs_and_the_rest_wait() -> None:
    venue = a_venue(asks=(("0.60", "500"),))
    venue.submit(an_order("a-1", "alice", "50", "0.55", order_type=OrderType.GTC))
    venue.submit(an_order("b-1", "bob", "50", "0.55", order_type=OrderType.GTC))
    venue.submit(an_order("c-1", "carol", "50", "0.55", order_type=OrderType.GTC))
    venue.on_book(a_book(asks=(("0.55", "80"),)))

    mine = venue.poll_reports(accounts=frozenset({"alice", "carol"}))
    rest = venue.poll_reports()

    assert [r.client_order_id for r in mine] == ["a-1", "c-1"]
    assert [r.client_order_id for r in rest] == ["b-1"]
    assert all(r.closed for r in mine + rest)  # 80 shares each: every account its own book
    assert venue.poll_reports(accounts=frozenset({"alice"})) == []


def test_paper_venues_book_when_asked_for_an_account_then_its_view() -> None:
    venues = PaperVenues()
    venues.on_book(a_book(asks=ASKS))
    venues[VENUE].submit(an_order("a-1", "alice", "100"))

    assert venues.book(VENUE, TOKEN, account="alice").asks == levels(("0.53", "200"))  # type: ignore[union-attr]
    assert venues.book(VENUE, TOKEN).asks == levels(*ASKS)  # type: ignore[union-attr]


# -- the venue process: a tape per account -----------------------------------------------------


def book_line(at: str, asks: list[list[str]], token_id: str = TOKEN) -> str:
    return json.dumps(
        {
            "type": "book",
            "at": at,
            "venue": VENUE,
            "token_id": token_id,
            "market_id": MARKET,
            "bids": [["0.40", "100"]],
            "asks": asks,
            "tick_size": "0.01",
            "min_size": "5",
        }
    )


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def a_day(path: Path) -> Path:
    """Books of TOKEN at 14:00, 14:05 and 14:10, an intent line between (ignored by the
    venue), and a book at 14:05 of another token."""
    lines = [
        book_line("2026-01-30T14:00:00Z", [["0.51", "100"], ["0.52", "100"]]),
        '{"type": "intent", "at": "2026-01-30T14:01:00Z", "intent": {}}',
        book_line("2026-01-30T14:05:00Z", [["0.55", "100"]]),
        book_line("2026-01-30T14:05:00Z", [["0.30", "10"]], token_id=OTHER_TOKEN),
        book_line("2026-01-30T14:10:00Z", [["0.48", "500"]]),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, PaperVenueService]]:
    service = PaperVenueService(a_day(tmp_path / "day.jsonl"), tmp_path / "ledger.db")
    httpd = make_server(service, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", service
    httpd.shutdown()
    httpd.server_close()
    service.ledger.close()


def client(url: str, minutes: float = 0) -> tuple[HttpPaperVenues, ManualClock]:
    clock = ManualClock(at(minutes))
    return HttpPaperVenues(url, clock=clock), clock


def asks_of(book: Book | None) -> list[tuple[str, str]]:
    assert book is not None
    return [(str(lv.price), str(lv.size)) for lv in book.asks]


def test_server_when_one_account_is_ahead_then_the_other_still_sees_its_own_time(
    server: tuple[str, PaperVenueService],
) -> None:
    url, _ = server
    venues, _ = client(url)

    ahead = venues.book(VENUE, TOKEN, at=at(6), account="alice")
    behind = venues.book(VENUE, TOKEN, at=at(1), account="bob")
    bought = venues[VENUE].submit(an_order("b-1", "bob", "150", "0.52"), at=at(2))
    still = venues.book(VENUE, TOKEN, at=at(7), account="alice")

    assert asks_of(ahead) == [("0.55", "100")]
    assert asks_of(behind) == [("0.51", "100"), ("0.52", "100")]
    assert taken(bought) == [("0.51", "100"), ("0.52", "50")]
    assert asks_of(still) == [("0.55", "100")]
    assert asks_of(venues.book(VENUE, TOKEN, at=at(3), account="bob")) == [("0.52", "50")]
    assert asks_of(venues.book(VENUE, TOKEN, at=at(5), account="bob")) == [("0.55", "100")]


def test_server_when_a_request_comes_at_a_books_time_then_the_book_is_seen(
    server: tuple[str, PaperVenueService],
) -> None:
    url, _ = server
    venues, _ = client(url)

    assert asks_of(venues.book(VENUE, TOKEN, at=at(5), account="alice")) == [("0.55", "100")]
    assert asks_of(venues.book(VENUE, TOKEN, at=at(0), account="bob")) == [
        ("0.51", "100"),
        ("0.52", "100"),
    ]


def test_server_book_reads_are_as_of_their_time_and_move_nothing(
    server: tuple[str, PaperVenueService],
) -> None:
    # After a crash the engine decides again an intent whose first verdict was not committed:
    # it must see the book it saw the first time, whatever was read since.
    url, _ = server
    venues, _ = client(url)
    first = asks_of(venues.book(VENUE, TOKEN, at=at(1), account="alice"))
    venues.book(VENUE, TOKEN, at=at(6), account="alice")
    venues[VENUE].poll_reports(at=at(6), accounts=frozenset({"alice"}))

    assert asks_of(venues.book(VENUE, TOKEN, at=at(1), account="alice")) == first
    assert first != [("0.55", "100")]  # the later book is another one


def test_server_order_fills_against_the_book_of_its_own_time(
    server: tuple[str, PaperVenueService],
) -> None:
    url, _ = server
    venues, _ = client(url)
    venues[VENUE].poll_reports(at=at(6), accounts=frozenset({"alice"}))  # the account moves on
    seen = asks_of(venues.book(VENUE, TOKEN, at=at(1), account="alice"))

    report = venues[VENUE].submit(an_order("late-1", "alice", "50", "0.99"), at=at(1))

    assert report.fills
    assert str(report.fills[0].price) == seen[0][0]


def test_server_reports_when_accounts_advance_apart_then_each_gets_its_own_when_it_passes(
    server: tuple[str, PaperVenueService],
) -> None:
    url, _ = server
    worker_1, _ = client(url)
    worker_2, _ = client(url)
    for venues, account in ((worker_1, "alice"), (worker_2, "bob")):
        report = venues[VENUE].submit(
            an_order(f"{account}-1", account, "300", "0.49", order_type=OrderType.GTC), at=at(1)
        )
        assert report.fills == ()
        assert not report.closed

    alice = frozenset({"alice"})
    bob = frozenset({"bob"})
    assert worker_1[VENUE].poll_reports(at=at(6), accounts=alice) == []
    [filled] = worker_1[VENUE].poll_reports(at=at(11), accounts=alice)
    assert worker_2[VENUE].poll_reports(at=at(6), accounts=bob) == []  # bob is not at 14:10
    [bobs] = worker_2[VENUE].poll_reports(at=at(12), accounts=bob)

    assert filled.client_order_id == "alice-1"
    assert taken(filled) == [("0.48", "300")]
    assert bobs.client_order_id == "bob-1"
    assert taken(bobs) == [("0.48", "300")]  # the same 500 shares: bob's own book
    assert worker_1[VENUE].poll_reports(at=at(12), accounts=alice) == []


def test_server_poll_without_accounts_when_reports_are_there_then_every_accounts(
    server: tuple[str, PaperVenueService],
) -> None:
    url, _ = server
    venues, _ = client(url)
    for account in ("alice", "bob"):
        venues[VENUE].submit(
            an_order(f"{account}-1", account, "10", "0.49", order_type=OrderType.GTC), at=at(1)
        )

    reports = venues[VENUE].poll_reports(at=at(11))

    assert sorted(r.client_order_id for r in reports) == ["alice-1", "bob-1"]
    assert venues[VENUE].poll_reports(at=at(12)) == []


def test_server_order_json_when_posted_then_the_ledger_records_the_account(
    server: tuple[str, PaperVenueService],
) -> None:
    url, _ = server
    venues, _ = client(url)
    venues[VENUE].submit(an_order("a-1", "alice", "10", "0.52"), at=at(1))

    [entry] = requests.get(f"{url}/orders", timeout=5).json()

    assert entry["account"] == "alice"
    assert entry["venue_order_id"] == "paper-a-1"
    assert entry["at"] == "2026-01-30T14:01:00Z"


def test_server_when_an_old_client_names_no_account_then_the_empty_account(
    server: tuple[str, PaperVenueService],
) -> None:
    url, _ = server
    body = {
        "client_order_id": "old-1",
        "venue": VENUE,
        "token_id": TOKEN,
        "side": "BUY",
        "order_type": "FAK",
        "price": "0.51",
        "size": "60",
        "at": "2026-01-30T14:01:00Z",
    }
    answer = requests.post(f"{url}/orders", json=body, timeout=5).json()
    book = requests.get(
        f"{url}/book",
        params={"venue": VENUE, "token_id": TOKEN, "at": "2026-01-30T14:02:00Z"},
        timeout=5,
    ).json()
    reports = requests.get(f"{url}/reports", params={"after": "0"}, timeout=5).json()

    assert answer["venue_order_id"] == "paper-old-1"
    assert book["asks"][0] == ["0.51", "40"]
    assert reports["reports"] == []


# -- the venue process: its ledger after a restart ---------------------------------------------


def trade(service: PaperVenueService, order: OrderRequest, minutes: float) -> dict[str, Any]:
    body = {**_wire(order), "at": format_utc(at(minutes))}
    status, answer, _ = service.submit(body)
    assert status == 200
    return answer


def _wire(order: OrderRequest) -> dict[str, Any]:
    return request_to_json(order, at="")


def first_half(service: PaperVenueService) -> None:
    trade(service, an_order("a-1", "alice", "130", "0.52"), 1)
    trade(service, an_order("a-2", "alice", "200", "0.49", order_type=OrderType.GTC), 2)
    trade(service, an_order("b-1", "bob", "60", "0.51"), 3)
    service.book(VENUE, TOKEN, format_utc(at(6)), "carol")
    service.book(VENUE, TOKEN, format_utc(at(10)), "alice")  # a-2 fills on the 14:10 book


def second_half(service: PaperVenueService) -> list[Any]:
    return [
        service.book(VENUE, TOKEN, format_utc(at(4)), "bob"),
        trade(service, an_order("b-2", "bob", "100", "0.52"), 4),
        trade(service, an_order("a-1", "alice", "130", "0.52"), 4),  # resubmitted: the ledger
        service.poll(0, format_utc(at(11)), frozenset({"alice"}))[1]["reports"],
        service.order("a-2"),
        service.book(VENUE, TOKEN, format_utc(at(11)), "alice"),
        service.book(VENUE, TOKEN, format_utc(at(11)), "bob"),
    ]


def test_a_restarted_venue_when_it_reads_its_ledger_then_every_account_is_as_it_was(
    tmp_path: Path,
) -> None:
    day = a_day(tmp_path / "day.jsonl")
    whole = PaperVenueService(day, tmp_path / "whole.db")
    first_half(whole)
    expected = second_half(whole)
    before = PaperVenueService(day, tmp_path / "ledger.db")
    first_half(before)
    before.ledger.close()

    after = PaperVenueService(day, tmp_path / "ledger.db")

    assert second_half(after) == expected
    assert expected[0][1]["asks"] == [["0.51", "40"], ["0.52", "100"]]  # bob's 60 stay taken
    assert [r["client_order_id"] for r in expected[3]] == ["a-2"]
    assert expected[4][1]["closed"]
    assert expected[5][1]["asks"] == [["0.48", "300"]]  # what a-2 took, in alice's book
    assert expected[6][1]["asks"] == [["0.48", "500"]]
    assert after.ledger.orders() == whole.ledger.orders()
    assert {row.account for row in after.ledger.rows()} == {"alice", "bob"}


def test_a_restarted_venue_when_its_ledger_is_of_another_day_then_it_refuses_to_start(
    tmp_path: Path,
) -> None:
    day = a_day(tmp_path / "day.jsonl")
    service = PaperVenueService(day, tmp_path / "ledger.db")
    trade(service, an_order("a-1", "alice", "130", "0.52"), 1)
    service.ledger.close()
    day.write_text(book_line("2026-01-30T14:00:00Z", [["0.52", "100"]]) + "\n")

    with pytest.raises(LedgerMismatchError, match="a-1"):
        PaperVenueService(day, tmp_path / "ledger.db")


def test_a_ledger_written_before_accounts_when_opened_then_its_orders_are_known(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE orders (seq INTEGER PRIMARY KEY AUTOINCREMENT, venue TEXT NOT NULL,"
        " client_order_id TEXT NOT NULL UNIQUE, body TEXT NOT NULL)"
    )
    old = {
        "client_order_id": "tape-1",
        "venue_order_id": "paper-1",
        "token_id": TOKEN,
        "side": "BUY",
        "order_type": "FAK",
        "price": "0.52",
        "size": "50",
        "status": "FILLED",
        "reject_code": "",
        "fills": [{"id": "tape-1:1", "price": "0.50", "size": "50", "fee": "0"}],
    }
    conn.execute(
        "INSERT INTO orders (venue, client_order_id, body) VALUES (?, ?, ?)",
        (VENUE, "tape-1", json.dumps(old)),
    )
    conn.commit()
    conn.close()

    service = PaperVenueService(a_day(tmp_path / "day.jsonl"), path)
    status, report = service.order("tape-1")
    again = trade(service, an_order("tape-1", "", "50", "0.52"), 1)

    assert status == 200
    assert report["venue_order_id"] == "paper-1"
    assert again == report
    assert [row.account for row in LedgerFile(path).rows()] == [""]


def test_the_venue_process_when_restarted_on_its_ledger_then_it_answers_as_before(
    tmp_path: Path,
) -> None:
    day = a_day(tmp_path / "day.jsonl")
    process = PaperVenueProcess(day, tmp_path / "ledger.db")
    try:
        venues, _ = client(process.url)
        first = venues[VENUE].submit(an_order("a-1", "alice", "130", "0.52"), at=at(1))
        venues[VENUE].submit(
            an_order("a-2", "alice", "200", "0.49", order_type=OrderType.GTC), at=at(2)
        )
    finally:
        process.stop()
    process = PaperVenueProcess(day, tmp_path / "ledger.db")
    try:
        venues, _ = client(process.url)
        again = venues[VENUE].submit(an_order("a-1", "alice", "130", "0.52"), at=at(3))
        book = venues.book(VENUE, TOKEN, at=at(3), account="alice")
        [filled] = venues[VENUE].poll_reports(at=at(11), accounts=frozenset({"alice"}))
        ledger = process.ledger()
    finally:
        process.stop()

    assert again == first
    assert asks_of(book) == [("0.52", "70")]
    assert filled.client_order_id == "a-2"
    assert filled.closed
    assert [entry["account"] for entry in ledger] == ["alice", "alice"]


# -- a generated day: the same per account, whatever the split ---------------------------------

Item = tuple[datetime, OrderRequest | Book]


def orders_for_day(day: Path) -> list[Item]:
    """The day's books and, for each intent, an order of its agent (every fifth one a GTC); a
    redelivered intent places nothing, as in the engine."""
    items: list[Item] = []
    seen: set[str] = set()
    with day.open() as handle:
        for n, record in enumerate(read_day(handle)):
            if isinstance(record, BookRecord):
                items.append((record.at, record.book))
            elif isinstance(record, IntentRecord) and record.intent.intent_id not in seen:
                intent = record.intent
                seen.add(intent.intent_id)
                gtc = n % 5 == 0  # two ticks off the trade's price: it rests, and may fill
                away = D("0.02") if intent.side is Side.SELL else D("-0.02")
                order = OrderRequest(
                    client_order_id=f"o-{n}",
                    venue=intent.venue,
                    market_id=intent.market_id,
                    token_id=intent.token_id,
                    side=intent.side,
                    order_type=OrderType.GTC if gtc else OrderType.FAK,
                    price=min(max(intent.price + away, D("0.01")), D("0.99"))
                    if gtc
                    else intent.price,
                    size=D(40),
                    account=intent.agent,
                )
                items.append((record.at, order))
    return items


# per account: (book seen, answer) per order, then its resting orders' reports in order
Trail = dict[str, tuple[list[tuple[Any, Any]], list[Any]]]


def in_process(items: list[Item]) -> Trail:
    """The single process: one in-process venue fed the day in file order."""
    venues = PaperVenues()
    trail: Trail = {}
    for _, item in items:
        if isinstance(item, Book):
            venues.on_book(item)
            continue
        seen = venues.book(item.venue, item.token_id, account=item.account)
        answer = report_to_json(venues[item.venue].submit(item))
        trail.setdefault(item.account, ([], []))[0].append(
            (book_to_json(seen) if seen is not None else None, answer)
        )
    for account, (_, reports) in trail.items():
        polled = venues[VENUE].poll_reports(accounts=frozenset({account}))
        reports.extend(report_to_json(r) for r in polled)
    return trail


def by_workers(items: list[Item], service: PaperVenueService, groups: list[list[str]]) -> Trail:
    """Workers one after the other, each with its own accounts, on one venue process."""
    trail: Trail = {}
    owner = {i.client_order_id: i.account for _, i in items if isinstance(i, OrderRequest)}
    for group in groups:
        mine = frozenset(group)
        for moment, item in items:
            if isinstance(item, Book) or item.account not in mine:
                continue
            when = format_utc(moment)
            status, seen = service.book(item.venue, item.token_id, when, item.account)
            answer = service.submit({**request_to_json(item, at=when)})[1]
            trail.setdefault(item.account, ([], []))[0].append(
                (seen if status == 200 else None, answer)
            )
        _, polled = service.poll(0, "2026-12-31T00:00:00Z", mine)
        for report in polled["reports"]:
            trail[owner[report["client_order_id"]]][1].append(report)
    return trail


@pytest.mark.parametrize(
    "split",
    [
        pytest.param(lambda a: [a], id="one-worker"),
        pytest.param(lambda a: [a[2:], a[:2]], id="two-workers"),
        pytest.param(lambda a: [[x] for x in reversed(a)], id="one-worker-each-reversed"),
    ],
)
def test_a_generated_day_when_split_across_workers_then_each_agent_gets_the_same(
    tmp_path: Path, split: Any
) -> None:
    day = tmp_path / "day.jsonl"
    write_day(day, 7, intents=300)
    items = orders_for_day(day)
    expected = in_process(items)
    agents = sorted(expected)
    service = PaperVenueService(day, tmp_path / "ledger.db")

    got = by_workers(items, service, split(agents))

    assert len(agents) == 3
    assert got == expected
    assert all(reports for _, reports in expected.values())  # resting orders did trade


def test_in_process_venue_keeping_few_closed_orders_forgets_the_oldest_only() -> None:
    venue = PaperVenue(VENUE, keep_closed=2)
    venue.on_book(a_book(asks=[("0.52", "5000")]))
    reports = [venue.submit(an_order(f"c{n}", "a", "10", "0.52")) for n in range(4)]

    assert all(r.closed for r in reports)
    assert venue.order_status("c0") is None  # forgotten: the engine holds it closed
    assert venue.order_status("c1") is None
    assert venue.order_status("c3") == reports[3]  # the recent ones are still answered
    assert venue.submit(an_order("c2", "a", "10", "0.52")) == reports[2]  # never filled twice


def test_a_restarted_venue_when_orders_were_canceled_then_they_are_canceled_at_their_times(
    tmp_path: Path,
) -> None:
    day = a_day(tmp_path / "day.jsonl")
    service = PaperVenueService(day, tmp_path / "ledger.db")
    gtc = OrderType.GTC
    trade(service, an_order("a-1", "alice", "600", "0.50", order_type=gtc), 1)
    trade(service, an_order("b-1", "bob", "100", "0.50", order_type=gtc), 1)
    assert service.cancel("b-1", format_utc(at(3)))[1]["closed"]  # before the 14:10 book
    service.poll(0, format_utc(at(11)), None)  # a-1 takes 500 of the 14:10 book
    status, canceled = service.cancel("a-1", format_utc(at(12)))
    assert status == 200
    assert canceled["closed"]
    assert sum(Decimal(f["size"]) for f in canceled["fills"]) == Decimal(500)
    before = service.ledger.orders()
    service.ledger.close()

    after = PaperVenueService(day, tmp_path / "ledger.db")

    assert after.ledger.orders() == before
    assert after.order("a-1")[1] == canceled
    assert after.order("b-1")[1]["fills"] == []
    assert after.cancel("never-sent", format_utc(at(12)))[0] == 404
