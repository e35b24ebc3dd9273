"""The console's web application (Starlette + Jinja2).

It mounts the routes, shows errors as a page and, while it runs, follows deletions in
the tracker store. How a route is declared (login and CSRF guards, rendering, security
headers) is in ``console/routing.py``; the routes themselves are in ``console/routes/``,
by area. Every view of a transcript is written to the audit log before the transcript
is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from console import store
from console.routes.audit import audit_export, audit_page
from console.routes.conversations import (
    conversation_list,
    overview,
    review,
    transcript,
)
from console.routes.login import login, login_form, logout
from console.routes.safety_case import safety_case
from console.routing import SecurityHeaders, render
from console.settings import Settings
from console.tracker_store import TrackerReader, read_only_engine

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent


async def http_error(request: Request, exc: Exception) -> Response:
    """Errors as a page (no stack traces, no data)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Something went wrong."
    return render(
        request, "error.html", status_code=status, status=status, detail=detail
    )


def forget_deleted(
    own_engine: Engine, tracker: TrackerReader, *, audit_key: bytes
) -> int:
    """Drop the console's reviews of conversations deleted from the tracker store.

    Returns:
        The number of reviews dropped (0 when the tracker store has no table yet).
    """
    try:
        kept = tracker.sender_ids()
    except LookupError:
        return 0
    return store.forget_conversations(own_engine, kept, audit_key=audit_key)


async def health(request: Request) -> Response:
    """For probes and nginx: 200 while the console's own database answers, else 503."""
    try:
        with request.app.state.own_engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return PlainTextResponse("database unavailable", status_code=503)
    return PlainTextResponse("ok")


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
                functools.partial(
                    forget_deleted,
                    app.state.own_engine,
                    app.state.tracker,
                    audit_key=app.state.settings.audit_key,
                )
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
    store.migrate(own_engine, audit_key=settings.audit_key)
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
            Route("/healthz", health),
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
