"""How a console route is declared and answered.

Every page but the login form needs a session (:func:`page`); every POST needs the CSRF
token of the session (or, for the login form, of the login cookie) and is declared with
:func:`post_route`, so none can be added without it. :func:`render` gives templates the
session's user and token; :class:`SecurityHeaders` keeps pages out of frames, caches and
foreign scripts.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Engine
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console import audit_log, auth
from console.settings import Settings
from console.tracker_store import TrackerReader

SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
CSRF_FIELD = "csrf_token"

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


def settings_of(request: Request) -> Settings:
    """The settings the console was built with."""
    return request.app.state.settings


def own_engine_of(request: Request) -> Engine:
    """The engine on the console's own database."""
    return request.app.state.own_engine


def tracker_of(request: Request) -> TrackerReader:
    """The read-only reader of Rasa's tracker store."""
    return request.app.state.tracker


def client_of(request: Request) -> str | None:
    """The client's address, for the audit log (nginx's X-Forwarded-For, if trusted)."""
    return request.client.host if request.client else None


def audit(
    request: Request,
    action: str,
    *,
    username: str | None = None,
    sender_id: str | None = None,
    detail: str = "",
) -> None:
    """Append what this request did to the audit log: by whom, from where.

    Who is the signed-in user unless ``username`` names someone (a login attempt).
    """
    if username is None:
        session = session_of(request)
        username = session.user.username if session else None
    audit_log.audit(
        own_engine_of(request),
        audit_key=settings_of(request).audit_key,
        action=action,
        username=username,
        sender_id=sender_id,
        detail=detail,
        client=client_of(request),
    )


def set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    """Set a cookie the way every console cookie is set: HttpOnly, SameSite=Strict."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        secure=settings_of(request).secure_cookies,
        samesite="strict",
        path="/",
    )


def session_of(request: Request) -> auth.Session | None:
    """The request's live session (looked up once per request), or ``None``."""
    cached = getattr(request.state, "session", None)
    if cached is None:
        cached = auth.load_session(
            own_engine_of(request),
            settings_of(request),
            request.cookies.get(SESSION_COOKIE),
        )
        request.state.session = cached
    return cached


def page(*, role: str | None = None) -> Callable[[Handler], Handler]:
    """Declare a page that needs a login (and optionally the ``admin`` role)."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: Request) -> Response:
            session = session_of(request)
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
                session = session_of(request)
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
    session = session_of(request)
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
