"""Time sanity in the firewall: an intent dated after the engine's clock is denied beyond the
agent's ``max_clock_skew_s`` (``clock_skew``, with the values it compared); intents at or
before the clock carry no such check, so their records (and digests) are unchanged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine.config import AgentConfig
from tests.conftest import T0, an_agent_config
from tests.test_firewall import an_agent_view, decide_on, the_check


def test_clock_skew_when_intent_is_dated_within_the_skew_then_passes() -> None:
    decision = decide_on(now=T0 - timedelta(seconds=5))

    check = the_check(decision, "clock_skew")
    assert check.passed
    assert check.values == {
        "created_at": "2026-01-30T14:03:11+00:00",
        "now": "2026-01-30T14:03:06+00:00",
        "ahead_s": "5",
        "max_clock_skew_s": "5",
    }
    assert decision.accepted


def test_clock_skew_when_intent_is_dated_beyond_the_skew_then_denies() -> None:
    decision = decide_on(now=T0 - timedelta(seconds=5, microseconds=1))

    check = the_check(decision, "clock_skew")
    assert not check.passed
    assert check.values["ahead_s"] == "5.000001"
    assert decision.failed == check


def test_clock_skew_of_a_far_future_intent_denies_although_it_is_never_stale() -> None:
    decision = decide_on(now=T0 - timedelta(days=365 * 10))

    assert the_check(decision, "staleness").passed
    assert decision.failed is not None
    assert decision.failed.name == "clock_skew"


def test_clock_skew_limit_is_the_agents() -> None:
    config = an_agent_config(max_clock_skew_s=60)
    decision = decide_on(now=T0 - timedelta(seconds=60), agent=an_agent_view(config))

    assert the_check(decision, "clock_skew").passed


@given(behind_us=st.integers(min_value=0, max_value=10**9))
def test_no_clock_skew_check_for_an_intent_at_or_before_the_clock(behind_us: int) -> None:
    decision = decide_on(now=T0 + timedelta(microseconds=behind_us))

    assert "clock_skew" not in [c.name for c in decision.checks]


@given(ahead_us=st.integers(min_value=1, max_value=10**12))
def test_clock_skew_denies_exactly_beyond_the_limit(ahead_us: int) -> None:
    decision = decide_on(now=T0 - timedelta(microseconds=ahead_us))

    check = the_check(decision, "clock_skew")
    assert check.passed == (Decimal(ahead_us) / 10**6 <= 5)


def test_the_default_skew_is_left_out_of_the_stored_config() -> None:
    default, wider = an_agent_config(), an_agent_config(max_clock_skew_s=30)

    assert "max_clock_skew_s" not in default.to_record()
    assert wider.to_record()["max_clock_skew_s"] == 30
    assert AgentConfig.from_record(default.to_record()) == default
    assert AgentConfig.from_record(wider.to_record()) == wider
