"""The safety case page: the latest report that ``make safety-case`` wrote."""

from __future__ import annotations

import datetime

from starlette.requests import Request
from starlette.responses import Response

from console.report import render_report
from console.routing import page, render, settings_of


@page()
async def safety_case(request: Request) -> Response:
    """The latest clinical safety case report that ``make safety-case`` wrote."""
    path = settings_of(request).safety_case
    html = written = None
    if path.is_file():
        html = render_report(path.read_text(encoding="utf-8"))
        written = datetime.datetime.fromtimestamp(
            path.stat().st_mtime, datetime.timezone.utc
        ).strftime("%Y-%m-%d %H:%M UTC")
    return render(
        request, "safety_case.html", report_html=html, written=written, path=path
    )
