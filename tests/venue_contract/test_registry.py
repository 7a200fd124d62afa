"""The venue registry: what is registered, how names are looked up, what is wired live, and
what each venue's spec declares."""

from __future__ import annotations

from decimal import Decimal

import pytest

from adapters.credentials import credentials_from_env, venue_modes
from adapters.paper.venue import PaperVenue, PaperVenues
from adapters.routing import RoutedVenues
from adapters.venue_template.spec import SPEC as TEMPLATE
from adapters.venues import (
    VENUE_PACKAGES,
    UnknownVenueError,
    market_venues,
    venue_spec,
    venue_specs,
    wire_venues,
)
from cli.health_cmd import run_health
from engine.ports import VenuePort
from tests.conftest import a_book, an_order_request

D = Decimal


def test_every_listed_package_registers_one_spec_and_paper_is_no_market() -> None:
    assert len(VENUE_PACKAGES) == len(venue_specs())
    assert [s.name for s in venue_specs()] == ["paper", "polymarket", "kalshi", "limitless"]
    assert [s.name for s in market_venues()] == ["kalshi", "limitless", "polymarket"]
    assert venue_spec("paper").simulator
    assert "template" not in {s.name for s in venue_specs()}


def test_an_unknown_venue_is_a_named_error_and_get_answers_none() -> None:
    routed = RoutedVenues(PaperVenues())
    with pytest.raises(UnknownVenueError, match="no venue 'nowhere' is registered"):
        routed["nowhere"]
    assert routed.get("nowhere") is None
    assert routed.book("nowhere", "7") is None
    assert isinstance(routed["kalshi"], PaperVenue)
    with pytest.raises(UnknownVenueError):
        PaperVenues()["nowhere"]
    with pytest.raises(UnknownVenueError):
        venue_spec("nowhere")


def test_without_keys_every_venue_trades_on_paper() -> None:
    paper = PaperVenues()
    wired = wire_venues({}, paper=paper, paper_only=False)
    assert wired.live_names == frozenset()
    assert wired.mode_lines == (
        "kalshi: no key: trading on paper",
        "limitless: no key: trading on paper",
        "polymarket: no key: trading on paper",
    )
    assert wired.routed["polymarket"] is paper["polymarket"]


def test_a_key_of_a_venue_without_a_live_adapter_still_trades_on_paper() -> None:
    env = {"KALSHI_PRIVATE_KEY": "pem-text", "POLYMARKET_PRIVATE_KEY": "0x" + "4c" * 32}
    wired = wire_venues(env, paper=PaperVenues(), paper_only=True)
    assert wired.live_names == frozenset()
    assert wired.mode_lines[0] == "kalshi: KALSHI_PRIVATE_KEY is set, but paper only was asked"
    assert venue_modes(env)[0] == (
        "kalshi: KALSHI_PRIVATE_KEY is set, but the live kalshi adapter is not built yet: "
        "trading on paper"
    )
    assert (
        wired.mode_lines[2] == "polymarket: POLYMARKET_PRIVATE_KEY is set, but paper only was asked"
    )
    assert (
        venue_modes(env, live={"polymarket"})[2]
        == "polymarket: live (POLYMARKET_PRIVATE_KEY is set)"
    )
    creds = credentials_from_env(env)
    assert set(creds) == {"kalshi", "polymarket"}
    assert "pem-text" not in repr(creds)


def test_the_paper_venue_charges_its_venues_fee_model_at_the_configured_rate() -> None:
    class Flat:
        def fee(
            self, price: Decimal, size: Decimal, rate: Decimal, *, token_id: str = ""
        ) -> Decimal:
            return rate

    venue = PaperVenue("polymarket", fee_rate=D("0.25"), fee_model=Flat())
    venue.on_book(a_book())
    report = venue.submit(an_order_request("10", "0.52"))
    assert [f.fee for f in report.fills] == [D("0.25")]
    default = PaperVenues(fee_rate=D("0.01"))["polymarket"]
    default.on_book(a_book())
    [fill] = default.submit(an_order_request("10", "0.52")).fills
    assert fill.fee == D("0.052000")


def test_health_runs_every_registered_venues_checks() -> None:
    lines = run_health({"TAPE_HOME": "/nonexistent-tape-home"}).lines
    for line in (
        "  paper: in-process paper venue",
        "  kalshi: no key (KALSHI_PRIVATE_KEY or KALSHI_PRIVATE_KEY_PATH): trading on paper",
        "  limitless: no key: trading on paper",
        "  polymarket: no key (POLYMARKET_PRIVATE_KEY or POLYMARKET_KEYSTORE): trading on paper",
    ):
        assert line in lines


def test_the_template_builds_from_the_mapping_and_says_what_is_left_to_do() -> None:
    assert TEMPLATE.build is not None
    assert TEMPLATE.build({}) is None
    live = TEMPLATE.build({"TEMPLATE_PRIVATE_KEY": "k"})
    assert live is not None
    venue: VenuePort = live.venue
    assert venue.durable
    with pytest.raises(NotImplementedError):
        venue.submit(an_order_request())
    with pytest.raises(NotImplementedError):
        venue.cancel("tape-1")
    assert TEMPLATE.instruments.problem("MKT-1", "MKT-1:yes") is None
    assert "k" not in repr(venue.key)  # type: ignore[attr-defined]
