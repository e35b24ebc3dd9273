"""Signing in and out: the login form, the login post, logout."""

from __future__ import annotations

import secrets

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from console import auth
from console.routing import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    audit,
    own_engine_of,
    post_route,
    render,
    session_of,
    set_cookie,
    settings_of,
)


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
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token)
    return response


@post_route("/login", login=False)
async def login(request: Request, form: FormData) -> Response:
    """Check the credentials; open a session or say why not."""
    username = str(form.get("username", ""))
    result = auth.authenticate(
        own_engine_of(request),
        settings_of(request),
        username=username,
        password=str(form.get("password", "")),
        code=str(form.get("code", "")),
    )
    if result.user is None:
        audit(request, "login_refused", username=username[:80], detail=result.reason)
        message = (
            "This account is locked after too many failed attempts. Try again later."
            if result.reason == "locked"
            else "Wrong user name, password or code."
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
    audit(request, "login", username=result.user.username)
    token = auth.open_session(own_engine_of(request), result.user)
    response = RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@post_route("/logout")
async def logout(request: Request, form: FormData) -> Response:
    """End the session."""
    session = session_of(request)
    auth.close_session(own_engine_of(request), request.cookies.get(SESSION_COOKIE))
    if session:
        audit(request, "logout", username=session.user.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
