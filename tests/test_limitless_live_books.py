"""Without keys, paper orders on Limitless fill against Limitless's live public book, read at
the decision and recorded in the verdict; nothing is sent to the venue."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from adapters.paper.live_books import PaperOnLiveBooks
from adapters.paper.venue import PaperVenues
from adapters.venues import wire_venues
from projections.views import LogViews
from tests.conftest import an_agent_config, make_rig
from tests.fake_limitless import FakeLimitless
from tests.fake_limitless.state import Market
from tests.venue_contract.limitless_harness import EXCHANGE, NO, SLUG, YES

D = Decimal


@pytest.fixture
def fake() -> Iterator[FakeLimitless]:
    """One market (tick 0.001) whose live book asks 0.505 for 20 shares, then 0.550."""
    api = FakeLimitless().start()
    api.add_market(Market(SLUG, EXCHANGE, YES, NO))
    api.set_book(SLUG, bids=[("0.450", "100")], asks=[("0.505", "20"), ("0.550", "100")])
    yield api
    api.stop()


def test_paper_without_keys_fills_against_the_live_book_and_records_it(
    fake: FakeLimitless, tmp_path: Path
) -> None:
    wired = wire_venues(
        {"LIMITLESS_API_URL": fake.url}, paper=PaperVenues(), paper_only=False, live_books=True
    )
    assert wired.live_names == frozenset()
    assert isinstance(wired.routed.paper, PaperOnLiveBooks)
    assert any(line.startswith("limitless: no key") for line in wired.mode_lines)
    rig = make_rig(
        tmp_path / "tape.db",
        agents=[an_agent_config(venues=["limitless"])],
        venues=wired.routed,  # type: ignore[arg-type]
        market_data=wired.routed,
    )
    try:
        rig.submit(
            intent_id="copy:0x1:l:BUY", venue="limitless", market_id=SLUG, token_id=YES,
            price="0.505", size="150",
        )  # fmt: skip
        views = LogViews.build(rig.app)
        [intent] = views.intents.rows.values()
        [placed] = views.orders.rows.values()
        verdict = next(e for e in rig.events() if type(e).__name__ == "IntentAccepted")
    finally:
        rig.app.close()
    assert intent["verdict"] == "ACCEPTED"
    assert verdict.book["asks"][0] == ["0.505", "20"]  # the live book, recorded in the verdict
    assert (placed["status"], placed["filled"]) == ("FILLED", D(15))
    assert fake.orders == {}  # paper: nothing sent to Limitless
    assert not [call for call in fake.calls if call[0] == "POST"]
