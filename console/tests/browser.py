"""Helpers of the browser tests: the console they run, signing in, reading a page.

The console runs on the recorded conversations with the staff accounts below
(``server`` in ``console/tests/conftest.py``); Playwright drives Debian's
/usr/bin/chromium (no browser download) and axe-core from console/node_modules checks
a page. Screenshots of the overview and a transcript go to docs/screenshots/ for the
README.

Environment: CHROMIUM (default /usr/bin/chromium), CONSOLE_TEST_PORT (default 5625).
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

from console.tests.seed import recorded_conversations

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "console" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PORT = int(os.environ.get("CONSOLE_TEST_PORT", "5625"))
BASE = f"http://127.0.0.1:{PORT}"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STAFF = {
    "ann": ("reviewer", "reviewer password 1"),
    "root": ("admin", "admin password 123"),
    "locky": ("reviewer", "locky password 12"),
    "tess": ("admin", "tess password 123"),
}
TESS_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
"""Tess's account has two-factor codes (console/two_factor.py)."""
MAX_FAILED_LOGINS = 3
CONVERSATIONS = recorded_conversations()
SCENARIOS = [c["scenario"] for c in CONVERSATIONS]
EMERGENCY = next(
    c for c in CONVERSATIONS if c["scenario"]["name"] == "chest-pain-emergency"
)


def sign_in(
    page: Page,
    username: str,
    password: str | None = None,
    *,
    here: bool = False,
    code: str = "",
) -> None:
    """Sign in with the login form (``here``: the one on the current page)."""
    if not here:
        page.goto(f"{BASE}/login")
    page.fill("#username", username)
    page.fill("#password", STAFF[username][1] if password is None else password)
    page.fill("#code", code)
    page.click("button[type=submit]")


def chart_data(page: Page, chart: str) -> dict[str, list]:
    """Labels and datasets of a drawn Chart.js chart (waiting until it is drawn)."""
    page.wait_for_function(
        "(id) => window.Chart && Chart.getChart(document.getElementById(id))", arg=chart
    )
    return page.evaluate(
        """(id) => {
            const chart = Chart.getChart(document.getElementById(id));
            return {labels: chart.data.labels,
                    datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data}))};
        }""",
        chart,
    )


def painted_pixels(page: Page, chart: str) -> int:
    """How many pixels of a chart's canvas are painted."""
    return page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width,
                                                                canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
            return painted;
        }""",
        chart,
    )


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical violations on the current page."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]],
        }
        for v in result
        if v["impact"] in ("serious", "critical")
    ]
