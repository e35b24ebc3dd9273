"""The conversation pages: the overview's charts, the list, a transcript, its review.

What a conversation says is read by ``console/conversations.py`` (pure functions); these
routes filter, page and show it, and audit every transcript view and review.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from console import metrics, store, tables
from console.conversations import LEVELS, turns
from console.routing import (
    audit,
    own_engine_of,
    page,
    post_route,
    render,
    session_of,
    tracker_of,
)

PAGE_SIZE = 100
"""Conversations per page of the list, newest first."""


def _filtered(
    request: Request, filters: metrics.Filters
) -> tuple[list[Any], dict[str, str]]:
    """The conversations passing ``filters`` and every conversation's review status."""
    statuses = store.latest_statuses(own_engine_of(request))
    summaries = [
        s
        for s in tracker_of(request).summaries()
        if filters.keep(
            s, needs_review=metrics.needs_review(s, statuses.get(s.sender_id))
        )
    ]
    return summaries, statuses


@page()
async def overview(request: Request) -> Response:
    """Charts of outcomes, narrowed by date range and channel."""
    filters = metrics.Filters.from_query(request.query_params)
    scope = metrics.Filters(
        date_from=filters.date_from, date_to=filters.date_to, channel=filters.channel
    )
    summaries, _ = _filtered(request, scope)
    figures = metrics.overview(summaries)
    return render(
        request,
        "overview.html",
        figures=figures,
        figures_json=json.dumps(figures).replace("<", "\\u003c"),
        filters=scope,
        channels=metrics.channels_of(tracker_of(request).summaries()),
    )


@page()
async def conversation_list(request: Request) -> Response:
    """Conversations, filterable by level, flag, channel, date and review state."""
    filters = metrics.Filters.from_query(request.query_params)
    summaries, statuses = _filtered(request, filters)
    everything = tracker_of(request).summaries()
    pages = max(1, -(-len(summaries) // PAGE_SIZE))
    try:
        number = min(max(1, int(request.query_params.get("page", "1"))), pages)
    except ValueError:
        number = 1
    shown = summaries[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    query = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "conversations.html",
        rows=[
            (
                s,
                statuses.get(s.sender_id),
                metrics.needs_review(s, statuses.get(s.sender_id)),
            )
            for s in shown
        ],
        total=len(summaries),
        page_number=number,
        pages=pages,
        page_url=lambda n: "/conversations?" + urlencode({**query, "page": n}),
        filters=filters,
        levels=(*LEVELS, "unset"),
        flags=sorted({f for s in everything for f in s.red_flags}),
        channels=metrics.channels_of(everything),
        day_of=metrics.day_of,
    )


@page()
async def transcript(request: Request) -> Response:
    """One conversation, turn by turn, with why the assistant said what it said."""
    sender_id = request.path_params["sender_id"]
    events = tracker_of(request).events(sender_id)
    if not events:
        raise HTTPException(404, "no such conversation")
    audit(request, "view_transcript", sender_id=sender_id)
    summary = next(
        (s for s in tracker_of(request).summaries() if s.sender_id == sender_id), None
    )
    return render(
        request,
        "transcript.html",
        sender_id=sender_id,
        summary=summary,
        turns=turns(events),
        reviews=store.reviews_of(own_engine_of(request), sender_id),
        review_url=f"/conversations/{quote(sender_id, safe='')}/review",
        day_of=metrics.day_of,
    )


@post_route("/conversations/{sender_id:path}/review")
async def review(request: Request, form: FormData) -> Response:
    """Mark a conversation reviewed, or raise a safety concern with a note."""
    sender_id = request.path_params["sender_id"]
    status = str(form.get("status", ""))
    note = str(form.get("note", "")).strip()
    if status not in tables.REVIEW_STATUSES:
        raise HTTPException(400, "unknown review status")
    if status == "concern" and not note:
        raise HTTPException(400, "a concern needs a note")
    if not tracker_of(request).events(sender_id):
        raise HTTPException(404, "no such conversation")
    session = session_of(request)
    assert session is not None
    store.add_review(
        own_engine_of(request),
        sender_id=sender_id,
        username=session.user.username,
        status=status,
        note=note,
    )
    audit(request, f"review_{status}", sender_id=sender_id)
    return RedirectResponse(
        f"/conversations/{quote(sender_id, safe='')}", status_code=303
    )
