"""The dashboard in a real headless Chromium (Playwright driving Debian's ``chromium``): the
sample day's agents, positions and chart; halting an agent with its button; a denial followed
to its ``why``; a change made elsewhere arriving live over the event stream."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api_rig import AUTH, TOKEN, open_service, run_demo, serving

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000

playwright_sync = pytest.importorskip("playwright.sync_api")
playwright_sync.expect.set_options(timeout=TIMEOUT_MS)


def chromium_path() -> Path:
    """Debian's Chromium, which `make test` installs when it can; skipped, saying so, without."""
    found = CHROMIUM if CHROMIUM.exists() else None
    if found is None and shutil.which("chromium"):
        found = Path(str(shutil.which("chromium")))
    if found is None:
        pytest.skip(
            "no Chromium at /usr/bin/chromium: `make test` installs Debian's `chromium` when it "
            "runs as root (apt-get install -y chromium); install it to run the browser tests"
        )
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    service = open_service(run_demo(tmp_path_factory.mktemp("demo")))
    try:
        with serving(service.app) as url:
            yield url
    finally:
        service.close()


@pytest.fixture
def page(served: str) -> Iterator[object]:
    executable = chromium_path()
    with playwright_sync.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(executable), args=FLAGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.set_default_timeout(TIMEOUT_MS)
            tab.goto(f"{served}/#token={TOKEN}")
            yield tab
        finally:
            browser.close()


def test_the_page_shows_the_sample_days_agents_positions_and_chart(page: object) -> None:
    expect, tab = playwright_sync.expect, page
    expect(tab.locator("#agents tbody tr[data-agent]")).to_have_count(3)  # type: ignore[attr-defined]
    for name in ("follow-whales", "tiered", "tight-risk"):
        expect(tab.locator(f'#agents tr[data-agent="{name}"]')).to_be_visible()  # type: ignore[attr-defined]
    expect(tab.locator("#positions tbody tr").first).to_contain_text("polymarket")  # type: ignore[attr-defined]
    assert tab.locator("#positions tbody tr").count() == 26  # type: ignore[attr-defined]
    expect(tab.locator("#pnl-chart canvas")).to_be_visible()  # type: ignore[attr-defined]
    expect(tab.locator("#pnl-chart")).to_have_attribute("data-series", "3")  # type: ignore[attr-defined]
    expect(tab.locator("#venues tbody")).to_contain_text("polymarket")  # type: ignore[attr-defined]
    keys = tab.locator('#agents tr[data-agent="tiered"] [data-role="keys"]')  # type: ignore[attr-defined]
    expect(keys).to_have_text("no key (paper)")  # names only: the demo sets no key
    expect(tab.locator("#errors tbody")).to_contain_text("InputDenied")  # type: ignore[attr-defined]
    assert "token" not in tab.url  # type: ignore[attr-defined]


def test_halting_an_agent_with_the_button_changes_its_state(page: object, served: str) -> None:
    expect, tab = playwright_sync.expect, page
    row = tab.locator('#agents tr[data-agent="tight-risk"]')  # type: ignore[attr-defined]
    expect(row.locator("[data-role=state]")).to_have_text("ACTIVE")
    row.locator("button[data-action=halt]").click()
    expect(tab.locator("#confirm")).to_be_visible()  # type: ignore[attr-defined]
    tab.locator("#confirm-ok").click()  # type: ignore[attr-defined]
    expect(row.locator("[data-role=state]")).to_have_text("HALTED")
    agent = httpx.get(f"{served}/api/v1/agents/tight-risk", headers=AUTH).json()
    assert (agent["state"], agent["reason"]) == ("HALTED", "halted over the API")
    row.locator("button[data-action=activate]").click()
    expect(row.locator("[data-role=state]")).to_have_text("ACTIVE")


def test_a_denial_opens_its_why_trail(page: object) -> None:
    expect, tab = playwright_sync.expect, page
    first = tab.locator("#denials tbody tr.denial").first  # type: ignore[attr-defined]
    reason = first.locator("td b").inner_text()
    first.locator("a.why-link").click()
    dialog = tab.locator("#why")  # type: ignore[attr-defined]
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("IntentDenied")
    expect(dialog.locator(".check-fail").first).to_contain_text(reason)


def test_a_change_made_elsewhere_arrives_live(page: object, served: str) -> None:
    expect, tab = playwright_sync.expect, page
    expect(tab.locator("#live")).to_have_text("live")  # type: ignore[attr-defined]
    state = tab.locator('#agents tr[data-agent="tiered"] [data-role=state]')  # type: ignore[attr-defined]
    expect(state).to_have_text("HALTED")  # its stop loss halted it on the sample day
    httpx.post(f"{served}/api/v1/agents/tiered/reduce", headers=AUTH, json={}).raise_for_status()
    expect(state).to_have_text("REDUCING")  # no reload: the event stream said so
    httpx.post(f"{served}/api/v1/agents/tiered/halt", headers=AUTH, json={}).raise_for_status()
    expect(state).to_have_text("HALTED")
