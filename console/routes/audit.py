"""The audit log, for admins only: the page and its CSV export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from console import store
from console.routing import client_of, own_engine_of, page, render, session_of


@page(role="admin")
async def audit_page(request: Request) -> Response:
    """The audit log, newest first (admins only)."""
    return render(
        request,
        "audit.html",
        entries=store.audit_entries(own_engine_of(request), limit=500),
    )


@page(role="admin")
async def audit_export(request: Request) -> Response:
    """The whole audit log as CSV (admins only); the export itself is audited."""
    session = session_of(request)
    assert session is not None
    store.audit(
        own_engine_of(request),
        action="export_audit",
        username=session.user.username,
        client=client_of(request),
    )
    return PlainTextResponse(
        store.audit_csv(own_engine_of(request)),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="console-audit.csv"'},
    )
