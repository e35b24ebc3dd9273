"""The console's pages in Chromium: charts, filters, a transcript's why, reviews.

The charts' drawn data against the recorded outcomes, the overview's and the list's
filters, the transcript's explanation of an emergency, and a concern and a review
recorded, shown in the audit log and exported. Writes the overview's and a transcript's
screenshots to docs/screenshots/. The console and the browser are the run's
(``console/tests/conftest.py``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import Browser, Page, expect

from console.tests.browser import (
    BASE,
    CONVERSATIONS,
    EMERGENCY,
    SCENARIOS,
    SCREENSHOTS,
    chart_data,
    painted_pixels,
    sign_in,
)


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
