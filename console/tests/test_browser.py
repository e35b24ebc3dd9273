"""The console in headless Chromium, served by ``python -m console serve``.

The server runs on the recorded conversations (a seeded SQLite tracker store) with its
own database in a temporary folder; Playwright drives Debian's /usr/bin/chromium (no
browser download) and axe-core from console/node_modules checks every page. Screenshots
of the overview and a transcript go to docs/screenshots/ for the README.

Environment: CHROMIUM (default /usr/bin/chromium), CONSOLE_TEST_PORT (default 5625).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from console import auth, store, two_factor
from console.tests.seed import recorded_conversations, seed_tracker_store
from console.tests.web import AUDIT_KEY

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


def _wait_until_up(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the console exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{BASE}/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise TimeoutError("the console did not start")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The console on the recorded conversations, with three staff accounts."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            pytest.fail(f"port {PORT} is in use; set CONSOLE_TEST_PORT")
    work = tmp_path_factory.mktemp("console-browser")
    tracker = work / "conversations.db"
    seed_tracker_store(tracker)
    report = work / "safety-case.md"
    report.write_text("# Clinical safety case\n\nAll hazards controlled.\n")
    env = {
        **os.environ,
        "CONSOLE_TRACKER_URL": f"sqlite:///{tracker}",
        "CONSOLE_DATABASE_URL": f"sqlite:///{work / 'console.db'}",
        "CONSOLE_SAFETY_CASE": str(report),
        "CONSOLE_PORT": str(PORT),
        "CONSOLE_MAX_FAILED_LOGINS": str(MAX_FAILED_LOGINS),
        "CONSOLE_AUDIT_KEY": AUDIT_KEY,
    }
    engine = store.own_engine(env["CONSOLE_DATABASE_URL"])
    store.migrate(engine, audit_key=AUDIT_KEY.encode())
    for name, (role, password) in STAFF.items():
        auth.create_user(engine, username=name, password=password, role=role)
    auth.enrol_totp(engine, username="tess", secret=TESS_SECRET)
    log = (work / "console.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "console", "serve"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_up(process)
        yield BASE
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    yield page
    context.close()
    # Chromium logs a refused login (401) or a forbidden page (403) as a failed load.
    expected = ("status of 401 (Unauthorized)", "status of 403 (Forbidden)")
    assert [e for e in errors if not e.endswith(expected)] == []


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


def test_nothing_is_shown_before_signing_in(page: Page) -> None:
    page.goto(f"{BASE}/conversations/{EMERGENCY['sender_id']}")
    # The conversation id carries its channel (rest:...): its ':' is escaped in next=.
    expect(page).to_have_url(
        f"{BASE}/login?next={quote('/conversations/' + EMERGENCY['sender_id'])}"
    )
    expect(page.locator("h1")).to_have_text("Sign in")
    assert "chest pain" not in page.content()
    sign_in(page, "ann", here=True)
    expect(page).to_have_url(f"{BASE}/conversations/{EMERGENCY['sender_id']}")


def test_a_wrong_password_is_refused(page: Page) -> None:
    sign_in(page, "ann", "wrong password!!")
    expect(page.locator("#login-error")).to_have_text(
        "Wrong user name, password or code."
    )
    page.goto(f"{BASE}/")
    expect(page).to_have_url(f"{BASE}/login?next=/")


def test_the_account_locks_after_repeated_failures(page: Page) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        sign_in(page, "locky", "not it at all")
    sign_in(page, "locky")
    expect(page.locator("#login-error")).to_contain_text("locked")
    page.goto(f"{BASE}/")
    expect(page).to_have_url(f"{BASE}/login?next=/")


def test_an_account_with_two_factor_codes_needs_its_code(page: Page) -> None:
    sign_in(page, "tess")
    expect(page.locator("#login-error")).to_have_text(
        "Wrong user name, password or code."
    )
    sign_in(page, "tess", code=two_factor.current_code(TESS_SECRET, at=time.time()))
    expect(page).to_have_url(f"{BASE}/")
    page.goto(f"{BASE}/admin/audit")
    expect(page.locator("#audit")).to_contain_text("bad_code")


def test_the_charts_draw_the_recorded_figures(page: Page) -> None:
    sign_in(page, "ann")
    expect(page.locator("h1")).to_have_text("Overview")
    levels = Counter(s["level"] or "unset" for s in SCENARIOS)
    drawn = chart_data(page, "chart-levels")
    assert dict(zip(drawn["labels"], drawn["datasets"][0]["data"], strict=True)) == {
        level: levels.get(level, 0)
        for level in ("self_care", "see_doctor", "urgent", "emergency", "unset")
    }
    flags = chart_data(page, "chart-flags")
    assert dict(
        zip(flags["labels"], flags["datasets"][0]["data"], strict=True)
    ) == dict(Counter(f for s in SCENARIOS for f in s["flags"]))
    funnel = chart_data(page, "chart-funnel")
    drawn_funnel = dict(
        zip(funnel["labels"], funnel["datasets"][0]["data"], strict=True)
    )
    for outcome in ("advice", "escalation", "stopped"):
        assert drawn_funnel[outcome] == sum(s["outcome"] == outcome for s in SCENARIOS)
    per_day = chart_data(page, "chart-per-day")
    assert {d["label"]: sum(d["data"]) for d in per_day["datasets"]} == dict(
        Counter(s["channel"] for s in SCENARIOS)
    )
    assert len(per_day["labels"]) == max(s["day"] for s in SCENARIOS) + 1
    for chart in ("per-day", "levels", "flags", "funnel", "fallback"):
        assert painted_pixels(page, f"chart-{chart}") > 500, chart
    expect(page.locator("#fig-conversations")).to_have_text(str(len(SCENARIOS)))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-overview.png"), full_page=True)


def test_the_overview_filters_by_channel(page: Page) -> None:
    sign_in(page, "ann")
    page.select_option("#channel", "socketio")
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(f"{BASE}/?from=&to=&channel=socketio")
    socketio = [s for s in SCENARIOS if s["channel"] == "socketio"]
    drawn = chart_data(page, "chart-levels")
    assert sum(drawn["datasets"][0]["data"]) == len(socketio)
    expect(page.locator("#fig-conversations")).to_have_text(str(len(socketio)))


def test_the_list_filters_stopped_conversations(page: Page) -> None:
    sign_in(page, "ann")
    page.goto(f"{BASE}/conversations")
    page.check("#stopped")
    page.click("form.filters button[type=submit]")
    stopped = {
        c["sender_id"] for c in CONVERSATIONS if c["scenario"]["outcome"] == "stopped"
    }
    rows = page.locator("#conversations tbody tr")
    expect(rows).to_have_count(len(stopped))
    assert {
        rows.nth(i).get_attribute("data-sender") for i in range(len(stopped))
    } == stopped


def test_the_transcript_explains_an_escalation(page: Page) -> None:
    sign_in(page, "ann")
    page.goto(f"{BASE}/conversations?level=emergency")
    page.click(f"a[href='/conversations/{quote(EMERGENCY['sender_id'], safe='')}']")
    turn = page.locator("li.turn", has_text="chest pain")
    message = next(e for e in EMERGENCY["events"] if e["event"] == "user")
    intent = message["parse_data"]["intent"]
    expect(turn.locator(".intent")).to_have_text(
        f"{intent['name']} ({intent['confidence']:.2f})"
    )
    expect(turn.locator(".entity")).to_have_text("chest_pain_or_breathless (present)")
    from_message = turn.locator("tr.from-message")
    expect(from_message.locator(".slot", has_text="red_flags")).to_have_text(
        'red_flags = ["chest_pain_or_breathless"]'
    )
    expect(from_message.locator(".slot", has_text="triage_level")).to_have_text(
        'triage_level = "emergency"'
    )
    expect(turn.locator(".level-after")).to_have_text(
        "Triage level after this turn: emergency"
    )
    step = turn.locator("tr", has_text="action_conclude_screening")
    expect(step.locator(".policy")).to_have_text("RulePolicy (1.00)")
    expect(step.locator(".response").first).to_have_text("utter_escalate_emergency")
    turn.screenshot(path=str(SCREENSHOTS / "console-transcript.png"))


def test_a_concern_and_a_review_are_recorded_and_audited(
    browser: Browser, server: str
) -> None:
    sender = next(
        c for c in CONVERSATIONS if c["scenario"]["name"] == "cannot-walk-urgent"
    )["sender_id"]
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, "ann")
    page.goto(f"{BASE}/conversations/{sender}")
    page.fill("#note", "clinic number should come first")
    page.click("button[value=concern]")
    expect(page.locator("#reviews li")).to_have_text(
        "concern by ann: clinic number should come first"
    )
    page.goto(f"{BASE}/conversations?needs_review=1")
    expect(page.locator(f"tr[data-sender='{sender}']")).to_contain_text(
        "concern raised"
    )
    page.goto(f"{BASE}/conversations/{sender}")
    page.click("button[value=reviewed]")
    expect(page.locator("#reviews li").last).to_have_text("reviewed by ann")
    page.goto(f"{BASE}/conversations?needs_review=1")
    expect(page.locator(f"tr[data-sender='{sender}']")).to_have_count(0)
    context.close()

    admin = browser.new_context()
    page = admin.new_page()
    sign_in(page, "root")
    page.goto(f"{BASE}/admin/audit")
    rows = page.locator("#audit tbody tr", has_text=sender)
    actions = [
        rows.nth(i).locator(".audit-action").inner_text() for i in range(rows.count())
    ]
    assert {"view_transcript", "review_concern", "review_reviewed"} <= set(actions)
    expect(page.locator("#chain")).to_contain_text("Chain intact")
    with page.expect_download() as download:
        page.click("#export")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert f"ann,review_concern,{sender}," in csv_text
    admin.close()


def test_a_reviewer_cannot_open_the_audit_log(page: Page) -> None:
    sign_in(page, "ann")
    expect(page.locator("nav")).not_to_contain_text("Audit log")
    response = page.goto(f"{BASE}/admin/audit")
    assert response is not None and response.status == 403


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/",
        "/conversations",
        f"/conversations/{EMERGENCY['sender_id']}",
        "/safety-case",
        "/admin/audit",
    ],
)
def test_no_serious_or_critical_accessibility_violations(page: Page, path: str) -> None:
    if path != "/login":
        sign_in(page, "root")
    page.goto(f"{BASE}{path}")
    assert axe_violations(page) == []


def test_the_accessibility_check_finds_a_broken_page(page: Page) -> None:
    page.set_content(
        '<html><body><button></button><img src="data:,"><input type="text"></body></html>'
    )
    assert {v["id"] for v in axe_violations(page)} >= {"button-name", "image-alt"}
