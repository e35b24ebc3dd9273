"""The audit log, for admins only: the page (its chain's state, its anchors) and its CSV export."""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from console import audit_log
from console.routing import audit, own_engine_of, page, render, settings_of


@page(role="admin")
async def audit_page(request: Request) -> Response:
    """The audit log, newest first, and whether its chain is intact (admins only).

    The chain is checked against its anchors outside the database (or alone, saying
    so, when the anchor file cannot be read); the page also says where anchors are
    written and what the last scheduled verification found.
    """
    engine, settings = own_engine_of(request), settings_of(request)
    verify = functools.partial(
        audit_log.verify_audit,
        engine,
        audit_key=settings.audit_key,
        retired_keys=settings.retired_audit_keys,
    )
    anchor_error = ""
    try:
        chain = verify(anchor_file=settings.audit_anchor_file)
    except OSError as error:  # the chain is still worth showing
        anchor_error = str(error)
        chain = verify()
    return render(
        request,
        "audit.html",
        chain=chain,
        anchor_error=anchor_error,
        anchor_file=settings.audit_anchor_file,
        anchor_minutes=settings.audit_anchor_minutes,
        last_round=request.app.state.anchor_round,
        entries=audit_log.audit_entries(engine, limit=500),
    )


@page(role="admin")
async def audit_export(request: Request) -> Response:
    """The whole audit log as CSV (admins only); the export itself is audited."""
    audit(request, "export_audit")
    return PlainTextResponse(
        audit_log.audit_csv(own_engine_of(request)),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="console-audit.csv"'},
    )
