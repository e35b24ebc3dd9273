"""The audit log, for admins only: the page (with its chain's state) and its CSV export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from console import audit_log
from console.routing import audit, own_engine_of, page, render, settings_of


@page(role="admin")
async def audit_page(request: Request) -> Response:
    """The audit log, newest first, and whether its chain is intact (admins only)."""
    engine = own_engine_of(request)
    return render(
        request,
        "audit.html",
        chain=audit_log.verify_audit(engine, audit_key=settings_of(request).audit_key),
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
