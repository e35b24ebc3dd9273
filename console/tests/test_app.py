"""The console over HTTP: pages need a login, CSRF, roles, audit, reviews, figures."""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import cast

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from console.settings import Settings
from console.tests.seed import recorded_conversations, table_checksums
from console.tests.web import app_with_staff, hidden_csrf, sign_in

CONVERSATIONS = recorded_conversations()
EMERGENCY = next(
    c for c in CONVERSATIONS if c["scenario"]["name"] == "chest-pain-emergency"
)


def _pages() -> list[str]:
    return [
        "/",
        "/conversations",
        "/conversations/" + EMERGENCY["sender_id"],
        "/safety-case",
        "/admin/audit",
        "/admin/audit.csv",
    ]


@pytest.mark.parametrize("path", _pages())
def test_nothing_is_visible_without_signing_in(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    assert EMERGENCY["sender_id"] not in response.text


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(
    client: TestClient,
) -> None:
    sign_in(client, "root")
    posts = [
        r.path.replace("{sender_id:path}", EMERGENCY["sender_id"])
        for r in cast(Starlette, client.app).routes
        if isinstance(r, Route) and "POST" in (r.methods or ())
    ]
    assert {"/login", "/logout"} <= set(posts) and len(posts) == 3
    for path in posts:
        for token in (None, "forged"):
            data = {"status": "reviewed", "username": "root", "password": "x"}
            if token:
                data["csrf_token"] = token
            assert client.post(path, data=data).status_code == 403, (path, token)


def test_a_transcript_view_is_audited_and_only_admins_read_the_log(
    client: TestClient,
) -> None:
    sign_in(client, "ann")
    sender = EMERGENCY["sender_id"]
    assert client.get(f"/conversations/{sender}").status_code == 200
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/audit.csv").status_code == 403
    client.post("/logout", data={"csrf_token": hidden_csrf(client.get("/").text)})
    sign_in(client, "root")
    lines = client.get("/admin/audit.csv").text.splitlines()
    assert any(f"ann,view_transcript,{sender}," in line for line in lines)
    assert lines[-1].split(",")[2:4] == ["root", "export_audit"]
    assert sender in client.get("/admin/audit").text


def test_the_transcript_shows_why_the_assistant_escalated(client: TestClient) -> None:
    sign_in(client, "ann")
    page = client.get(f"/conversations/{EMERGENCY['sender_id']}").text
    message = next(e for e in EMERGENCY["events"] if e["event"] == "user")
    intent = message["parse_data"]["intent"]
    assert message["text"].replace("'", "&#39;") in page
    assert (
        f'{intent["name"]} <span class="confidence">({intent["confidence"]:.2f})'
        in page
    )
    assert 'chest_pain_or_breathless <span class="role">(present)</span>' in page
    assert "utter_escalate_emergency" in page
    assert "triage_level = &#34;emergency&#34;" in page
    assert re.search(r"Triage level after this turn: <span[^>]*>emergency", page)


def test_a_review_and_a_concern_are_recorded(client: TestClient) -> None:
    sign_in(client, "ann")
    sender = EMERGENCY["sender_id"]
    token = hidden_csrf(client.get(f"/conversations/{sender}").text)
    url = f"/conversations/{sender}/review"
    assert (
        client.post(url, data={"csrf_token": token, "status": "concern"}).status_code
        == 400
    )
    response = client.post(
        url,
        data={"csrf_token": token, "status": "concern", "note": "number shown late"},
    )
    assert response.status_code == 303
    page = client.get(f"/conversations/{sender}").text
    assert "number shown late" in page and "concern" in page
    listed = client.get("/conversations?needs_review=1").text
    assert sender in listed
    client.post(url, data={"csrf_token": token, "status": "reviewed", "note": ""})
    assert sender not in client.get("/conversations?needs_review=1").text


def _expected_figures(conversations: list[dict]) -> dict:
    """The overview's figures, counted from the scenarios' declared outcomes."""
    scenarios = [c["scenario"] for c in conversations]
    levels = Counter(s["level"] or "unset" for s in scenarios)
    return {
        "conversations": len(scenarios),
        "levels": {
            lv: levels.get(lv, 0)
            for lv in ("self_care", "see_doctor", "urgent", "emergency", "unset")
        },
        "red_flags": dict(Counter(f for s in scenarios for f in s["flags"])),
        "escalation": sum(s["outcome"] == "escalation" for s in scenarios),
        "advice": sum(s["outcome"] == "advice" for s in scenarios),
        "stopped": sum(s["outcome"] == "stopped" for s in scenarios),
        "per_channel": dict(Counter(s["channel"] for s in scenarios)),
    }


def _figures(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="figures">(.*?)</script>', page
    )
    assert match
    return json.loads(match.group(1))


def test_overview_figures_match_the_recorded_conversations(client: TestClient) -> None:
    sign_in(client, "ann")
    figures = _figures(client.get("/").text)
    expected = _expected_figures(CONVERSATIONS)
    assert figures["conversations"] == expected["conversations"]
    assert figures["levels"] == expected["levels"]
    assert figures["red_flags"] == expected["red_flags"]
    assert {k: figures["funnel"][k] for k in ("escalation", "advice", "stopped")} == {
        k: expected[k] for k in ("escalation", "advice", "stopped")
    }
    assert {c: sum(v) for c, v in figures["per_day_by_channel"].items()} == expected[
        "per_channel"
    ]
    turns = sum(1 for c in CONVERSATIONS for e in c["events"] if e["event"] == "user")
    fallbacks = sum(c["scenario"]["fallback_turns"] for c in CONVERSATIONS)
    assert figures["fallback_rate"] == round(100 * fallbacks / turns, 1)


def test_overview_filters_by_channel_and_date(client: TestClient) -> None:
    sign_in(client, "ann")
    rest = [c for c in CONVERSATIONS if c["scenario"]["channel"] == "rest"]
    figures = _figures(client.get("/?channel=rest").text)
    assert figures["levels"] == _expected_figures(rest)["levels"]
    first_day = _figures(client.get("/").text)["days"][0]
    on_day = [c for c in CONVERSATIONS if c["scenario"]["day"] == 0]
    figures = _figures(client.get(f"/?from={first_day}&to={first_day}").text)
    assert figures["conversations"] == len(on_day)


@pytest.mark.parametrize(
    ("query", "chosen"),
    [
        ("level=emergency", lambda s: s["level"] == "emergency"),
        ("level=unset", lambda s: s["level"] is None),
        ("flag=bruising", lambda s: "bruising" in s["flags"]),
        ("channel=socketio", lambda s: s["channel"] == "socketio"),
        ("stopped=1", lambda s: s["outcome"] == "stopped"),
        (
            "needs_review=1",
            lambda s: (
                s["outcome"] in ("escalation", "stopped") or s["fallback_turns"] > 0
            ),
        ),
    ],
)
def test_the_list_filters(client: TestClient, query: str, chosen: object) -> None:
    sign_in(client, "ann")
    page = client.get(f"/conversations?{query}").text
    listed = set(re.findall(r'<tr data-sender="([^"]+)"', page))
    expected = {c["sender_id"] for c in CONVERSATIONS if chosen(c["scenario"])}  # type: ignore[operator]
    assert expected and listed == expected


def test_the_safety_case_page_shows_the_latest_report(client: TestClient) -> None:
    sign_in(client, "ann")
    page = client.get("/safety-case").text
    assert '<h1 id="clinical-safety-case">Clinical safety case</h1>' in page
    assert "<td>low</td>" in page


def test_using_the_console_never_writes_rasa_tables(
    client: TestClient, tracker_db: Path
) -> None:
    before = table_checksums(tracker_db)
    sign_in(client, "ann")
    sender = EMERGENCY["sender_id"]
    token = hidden_csrf(client.get(f"/conversations/{sender}").text)
    client.post(
        f"/conversations/{sender}/review",
        data={"csrf_token": token, "status": "reviewed"},
    )
    for path in ("/", "/conversations", "/conversations?needs_review=1"):
        client.get(path)
    assert table_checksums(tracker_db) == before


def test_a_deleted_conversation_leaves_the_console(
    client: TestClient, tracker_db: Path, settings: Settings
) -> None:
    from console.app import forget_deleted
    from console.store import latest_statuses, own_engine
    from console.tracker_store import TrackerReader, read_only_engine

    sign_in(client, "ann")
    sender = EMERGENCY["sender_id"]
    token = hidden_csrf(client.get(f"/conversations/{sender}").text)
    client.post(
        f"/conversations/{sender}/review",
        data={"csrf_token": token, "status": "concern", "note": "patient's words"},
    )
    # What privacy.erasure.delete_conversation does to Rasa's table.
    with sqlite3.connect(tracker_db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = ?", (sender,))
    assert client.get(f"/conversations/{sender}").status_code == 404
    assert sender not in client.get("/conversations").text
    own = own_engine(settings.database_url)
    reader = TrackerReader(read_only_engine(settings.tracker_url))
    assert forget_deleted(own, reader, audit_key=settings.audit_key) == 1
    assert sender not in latest_statuses(own)


def test_a_missing_tracker_store_forgets_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    from console.app import forget_deleted
    from console.store import add_review, latest_statuses, migrate, own_engine
    from console.tracker_store import TrackerReader, read_only_engine

    own = own_engine(settings.database_url)
    migrate(own, audit_key=settings.audit_key)
    add_review(own, sender_id="kept", username="ann", status="reviewed", note="")
    reader = TrackerReader(read_only_engine(f"sqlite:///{tmp_path / 'absent.db'}"))
    assert forget_deleted(own, reader, audit_key=settings.audit_key) == 0
    assert latest_statuses(own) == {"kept": "reviewed"}


def test_what_a_person_typed_is_shown_as_text(
    settings: Settings, tmp_path: Path
) -> None:
    from dataclasses import replace

    from console.tests.seed import seed_tracker_store

    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    events = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0e9},
        {
            "event": "user",
            "text": hostile,
            "timestamp": 1.0e9 + 1,
            "input_channel": "rest",
            "parse_data": {
                "intent": {"name": "greet", "confidence": 0.5},
                "entities": [],
            },
        },
    ]
    url = seed_tracker_store(
        tmp_path / "hostile.db", [{"sender_id": "<b>id</b>", "events": events}]
    )
    client = app_with_staff(replace(settings, tracker_url=url))
    sign_in(client, "ann")
    listing = client.get("/conversations").text
    assert "<b>id</b>" not in listing and "&lt;b&gt;id&lt;/b&gt;" in listing
    page = client.get("/conversations/%3Cb%3Eid%3C%2Fb%3E").text
    assert hostile not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_the_running_console_follows_deletions(
    settings: Settings, tracker_db: Path
) -> None:
    from console.store import add_review, latest_statuses, migrate, own_engine

    own = own_engine(settings.database_url)
    migrate(own, audit_key=settings.audit_key)
    sender = EMERGENCY["sender_id"]
    add_review(own, sender_id=sender, username="ann", status="concern", note="n")
    with sqlite3.connect(tracker_db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = ?", (sender,))
    with app_with_staff(settings):  # starting the app runs its first round
        assert sender not in latest_statuses(own)


def test_the_list_comes_in_pages_that_keep_the_filters(
    settings: Settings, tmp_path: Path
) -> None:
    from dataclasses import replace

    from console.routes.conversations import PAGE_SIZE
    from console.tests.seed import seed_tracker_store

    many = [
        dict(c, sender_id=f"{c['sender_id']}-{n}")
        for n in range(30)
        for c in CONVERSATIONS
    ]
    url = seed_tracker_store(tmp_path / "many.db", many)
    client = app_with_staff(replace(settings, tracker_url=url))
    sign_in(client, "ann")
    rest = sum(c["scenario"]["channel"] == "rest" for c in many)
    pages = -(-rest // PAGE_SIZE)
    assert pages > 1
    seen: list[str] = []
    link: str | None = "/conversations?channel=rest"
    while link:
        page = client.get(link.replace("&amp;", "&")).text
        seen += re.findall(r'<tr data-sender="([^"]+)"', page)
        found = re.search(r'<a href="([^"]+)" rel="next">', page)
        link = found.group(1) if found else None
    assert f"{rest} conversations, page {pages} of {pages}" in page
    assert sorted(seen) == sorted(
        c["sender_id"] for c in many if c["scenario"]["channel"] == "rest"
    )
    assert len(set(seen)) == rest
