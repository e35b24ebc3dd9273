"""The console's web application (Starlette + Jinja2).

Every page but the login form needs a session; every POST needs the CSRF token of the
session (or, for the login form, of the login cookie) and is declared with
:func:`post_route`, so none can be added without it. Every view of a transcript is
written to the audit log before the transcript is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import functools
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from console import auth, metrics, store
from console.conversations import LEVELS, turns
from console.report import render_report
from console.settings import Settings
from console.tracker_store import TrackerReader, read_only_engine

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
CSRF_FIELD = "csrf_token"
PAGE_SIZE = 100
"""Conversations per page of the list, newest first."""

Handler = Callable[[Request], Awaitable[Response]]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SecurityHeaders(BaseHTTPMiddleware):
    """Adds the headers that keep pages out of frames, caches and foreign scripts."""

    async def dispatch(
        self, request: Request, call_next: RequestResponseEndpoint
    ) -> Response:
        """Add the headers to every response."""
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _own(request: Request) -> Engine:
    return request.app.state.own_engine


def _tracker(request: Request) -> TrackerReader:
    return request.app.state.tracker


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    """Set a cookie the way every console cookie is set: HttpOnly, SameSite=Strict."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        secure=_settings(request).secure_cookies,
        samesite="strict",
        path="/",
    )


def _session(request: Request) -> auth.Session | None:
    cached = getattr(request.state, "session", None)
    if cached is None:
        cached = auth.load_session(
            _own(request), _settings(request), request.cookies.get(SESSION_COOKIE)
        )
        request.state.session = cached
    return cached


def page(*, role: str | None = None) -> Callable[[Handler], Handler]:
    """Declare a page that needs a login (and optionally the ``admin`` role)."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: Request) -> Response:
            session = _session(request)
            if session is None:
                target = request.url.path
                if request.url.query:
                    target += "?" + request.url.query
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            if role == "admin" and not session.user.is_admin:
                raise HTTPException(403, "admins only")
            return await handler(request)

        return guarded

    return wrap


def post_route(
    path: str, *, login: bool = True
) -> Callable[[Callable[[Request, FormData], Awaitable[Response]]], Route]:
    """A POST route whose form must carry the right CSRF token.

    With ``login`` (every route but the login form) the session must be live and the
    token is the session's; the login form's token is the login cookie's.
    """

    def wrap(handler: Callable[[Request, FormData], Awaitable[Response]]) -> Route:
        @functools.wraps(handler)
        async def checked(request: Request) -> Response:
            form = await request.form()
            given = form.get(CSRF_FIELD)
            if login:
                session = _session(request)
                if session is None:
                    raise HTTPException(403, "not signed in")
                expected: str | None = session.csrf_token
            else:
                expected = request.cookies.get(LOGIN_CSRF_COOKIE)
            if not auth.same_token(expected, given if isinstance(given, str) else None):
                raise HTTPException(403, "CSRF token missing or wrong")
            return await handler(request, form)

        return Route(path, checked, methods=["POST"])

    return wrap


def render(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    """Render a page with the session's user and CSRF token in its context."""
    session = _session(request)
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "user": session.user if session else None,
            "csrf_token": session.csrf_token if session else "",
            **context,
        },
        status_code=status_code,
    )


# --- Login ---------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only local paths are followed after login (no open redirect).

    ``//host``, and a slash then a backslash (which browsers read as ``//``), are refused.
    """
    if target and target.startswith("/") and target[1:2] not in ("/", "\\"):
        return target
    return "/"


async def login_form(request: Request) -> Response:
    """The login form, with a fresh login CSRF cookie."""
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        login_csrf=token,
        next=_safe_next(request.query_params.get("next")),
        error=None,
    )
    _set_cookie(response, request, LOGIN_CSRF_COOKIE, token)
    return response


@post_route("/login", login=False)
async def login(request: Request, form: FormData) -> Response:
    """Check the credentials; open a session or say why not."""
    username = str(form.get("username", ""))
    result = auth.authenticate(
        _own(request),
        _settings(request),
        username=username,
        password=str(form.get("password", "")),
    )
    if result.user is None:
        store.audit(
            _own(request),
            action="login_refused",
            username=username[:80],
            detail=result.reason,
            client=_client(request),
        )
        message = (
            "This account is locked after too many failed attempts. Try again later."
            if result.reason == "locked"
            else "Wrong user name or password."
        )
        response = render(
            request,
            "login.html",
            status_code=401,
            login_csrf=request.cookies.get(LOGIN_CSRF_COOKIE, ""),
            next=_safe_next(str(form.get("next", ""))),
            error=message,
        )
        return response
    store.audit(
        _own(request),
        action="login",
        username=result.user.username,
        client=_client(request),
    )
    token = auth.open_session(_own(request), result.user)
    response = RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
    _set_cookie(response, request, SESSION_COOKIE, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@post_route("/logout")
async def logout(request: Request, form: FormData) -> Response:
    """End the session."""
    session = _session(request)
    auth.close_session(_own(request), request.cookies.get(SESSION_COOKIE))
    if session:
        store.audit(
            _own(request),
            action="logout",
            username=session.user.username,
            client=_client(request),
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- Pages ---------------------------------------------------------------------------


def _filtered(
    request: Request, filters: metrics.Filters
) -> tuple[list[Any], dict[str, str]]:
    """The conversations passing ``filters`` and every conversation's review status."""
    statuses = store.latest_statuses(_own(request))
    summaries = [
        s
        for s in _tracker(request).summaries()
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
        channels=metrics.channels_of(_tracker(request).summaries()),
    )


@page()
async def conversation_list(request: Request) -> Response:
    """Conversations, filterable by level, flag, channel, date and review state."""
    filters = metrics.Filters.from_query(request.query_params)
    summaries, statuses = _filtered(request, filters)
    everything = _tracker(request).summaries()
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
    events = _tracker(request).events(sender_id)
    if not events:
        raise HTTPException(404, "no such conversation")
    session = _session(request)
    assert session is not None  # guarded by @page
    store.audit(
        _own(request),
        action="view_transcript",
        username=session.user.username,
        sender_id=sender_id,
        client=_client(request),
    )
    summary = next(
        (s for s in _tracker(request).summaries() if s.sender_id == sender_id), None
    )
    return render(
        request,
        "transcript.html",
        sender_id=sender_id,
        summary=summary,
        turns=turns(events),
        reviews=store.reviews_of(_own(request), sender_id),
        review_url=f"/conversations/{quote(sender_id, safe='')}/review",
        day_of=metrics.day_of,
    )


@post_route("/conversations/{sender_id:path}/review")
async def review(request: Request, form: FormData) -> Response:
    """Mark a conversation reviewed, or raise a safety concern with a note."""
    sender_id = request.path_params["sender_id"]
    status = str(form.get("status", ""))
    note = str(form.get("note", "")).strip()
    if status not in store.REVIEW_STATUSES:
        raise HTTPException(400, "unknown review status")
    if status == "concern" and not note:
        raise HTTPException(400, "a concern needs a note")
    if not _tracker(request).events(sender_id):
        raise HTTPException(404, "no such conversation")
    session = _session(request)
    assert session is not None
    store.add_review(
        _own(request),
        sender_id=sender_id,
        username=session.user.username,
        status=status,
        note=note,
    )
    store.audit(
        _own(request),
        action=f"review_{status}",
        username=session.user.username,
        sender_id=sender_id,
        client=_client(request),
    )
    return RedirectResponse(
        f"/conversations/{quote(sender_id, safe='')}", status_code=303
    )


@page()
async def safety_case(request: Request) -> Response:
    """The latest clinical safety case report that ``make safety-case`` wrote."""
    path = _settings(request).safety_case
    html = written = None
    if path.is_file():
        html = render_report(path.read_text(encoding="utf-8"))
        written = datetime.datetime.fromtimestamp(
            path.stat().st_mtime, datetime.timezone.utc
        ).strftime("%Y-%m-%d %H:%M UTC")
    return render(
        request, "safety_case.html", report_html=html, written=written, path=path
    )


@page(role="admin")
async def audit_page(request: Request) -> Response:
    """The audit log, newest first (admins only)."""
    return render(
        request, "audit.html", entries=store.audit_entries(_own(request), limit=500)
    )


@page(role="admin")
async def audit_export(request: Request) -> Response:
    """The whole audit log as CSV (admins only); the export itself is audited."""
    session = _session(request)
    assert session is not None
    store.audit(
        _own(request),
        action="export_audit",
        username=session.user.username,
        client=_client(request),
    )
    return PlainTextResponse(
        store.audit_csv(_own(request)),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="console-audit.csv"'},
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """Errors as a page (no stack traces, no data)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Something went wrong."
    return render(
        request, "error.html", status_code=status, status=status, detail=detail
    )


def forget_deleted(own_engine: Engine, tracker: TrackerReader) -> int:
    """Drop the console's reviews of conversations deleted from the tracker store.

    Returns:
        The number of reviews dropped (0 when the tracker store has no table yet).
    """
    try:
        kept = tracker.sender_ids()
    except LookupError:
        return 0
    return store.forget_conversations(own_engine, kept)


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """While the console runs, follow deletions in the tracker store.

    "Delete my conversation" and the retention job delete Rasa's events; every
    ``forget_interval_minutes`` the console drops its reviews of those conversations
    and the conversation ids in its audit log.
    """
    interval = app.state.settings.forget_interval_minutes * 60

    async def one_round() -> None:
        try:
            dropped = await asyncio.to_thread(
                forget_deleted, app.state.own_engine, app.state.tracker
            )
            if dropped:
                logger.info("reviews of deleted conversations dropped: %d", dropped)
        except Exception:  # the next round tries again
            logger.exception("could not follow deletions in the tracker store")

    async def follow() -> None:
        while True:
            await asyncio.sleep(interval)
            await one_round()

    await one_round()  # before the first page is served
    task = asyncio.create_task(follow())
    try:
        yield
    finally:
        task.cancel()


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the console for ``settings`` (the environment's by default).

    The console's own database is migrated on start; nothing connects at import.
    """
    settings = settings or Settings.from_env()
    own_engine = store.own_engine(settings.database_url)
    store.migrate(own_engine)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["conversation_url"] = lambda s: (
        "/conversations/" + quote(s, safe="")
    )
    # Slot values as JSON, readable (autoescaping makes them safe for HTML).
    templates.env.filters["as_json"] = lambda v: json.dumps(v, ensure_ascii=False)
    templates.env.filters["utc_time"] = lambda t: time.strftime(
        "%H:%M:%S UTC", time.gmtime(t)
    )
    templates.env.filters["utc"] = lambda t: time.strftime(
        "%Y-%m-%d %H:%M:%S", time.gmtime(t)
    )
    app = Starlette(
        routes=[
            Route("/", overview),
            Route("/login", login_form, methods=["GET"]),
            login,
            logout,
            Route("/conversations", conversation_list),
            review,
            Route("/conversations/{sender_id:path}", transcript),
            Route("/safety-case", safety_case),
            Route("/admin/audit", audit_page),
            Route("/admin/audit.csv", audit_export),
            Mount(
                "/static", StaticFiles(directory=str(HERE / "static")), name="static"
            ),
        ],
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers={HTTPException: http_error, 500: http_error},
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.own_engine = own_engine
    app.state.tracker = TrackerReader(read_only_engine(settings.tracker_url))
    app.state.templates = templates
    return app
