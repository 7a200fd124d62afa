"""Take the README's screenshot of the dashboard on the sample day (``tape demo``'s data), with
the same headless Chromium the browser tests drive. Run from the checkout:
``.venv/bin/python docs/screenshot_dashboard.py`` (writes docs/dashboard.png)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.api_rig import TOKEN, open_service, run_demo, serving  # noqa: E402
from tests.test_dashboard import CHROMIUM, FLAGS  # noqa: E402


def main() -> None:
    """Run the sample day, serve it, and save the page as docs/dashboard.png."""
    with tempfile.TemporaryDirectory() as home:
        service = open_service(run_demo(Path(home)))
        try:
            with serving(service.app) as url, sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
                page = browser.new_page(viewport={"width": 1440, "height": 1300})
                page.goto(f"{url}/#token={TOKEN}")
                expect(page.locator("#pnl-chart canvas")).to_be_visible(timeout=15_000)
                expect(page.locator("#live")).to_have_text("live", timeout=15_000)
                out = ROOT / "docs" / "dashboard.png"
                page.screenshot(path=str(out), full_page=False)
                browser.close()
                print(f"wrote {out}")  # noqa: T201
        finally:
            service.close()


if __name__ == "__main__":
    main()
