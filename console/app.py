"""The console's web application (Starlette + Jinja2).

It mounts the routes, shows errors as a page and, while it runs, follows deletions in
the tracker store and verifies and anchors its audit log on a schedule. How a route is declared (login and CSRF guards, rendering, security
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
from collections.abc import AsyncIterator, Awaitable, Callable
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

from console import audit_log, store
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


def anchor_round(own_engine: Engine, settings: Settings) -> audit_log.AnchorRound:
    """Verify the audit log against its anchors and anchor it again (when intact)."""
    assert settings.audit_anchor_file is not None
    try:
        report = audit_log.anchor_audit(
            own_engine,
            audit_key=settings.audit_key,
            retired_keys=settings.retired_audit_keys,
            anchor_file=settings.audit_anchor_file,
        )
    except (OSError, sa.exc.SQLAlchemyError) as error:
        logger.exception("could not verify and anchor the audit log")
        return audit_log.AnchorRound(time.time(), False, f"failed: {error}")
    return audit_log.AnchorRound(time.time(), report.intact, report.summary())


async def _every(seconds: float, job: Callable[[], Awaitable[None]]) -> None:
    """Run ``job`` every ``seconds``, for as long as the console runs."""
    while True:
        await asyncio.sleep(seconds)
        await job()


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """While the console runs, follow deletions and verify and anchor the audit log.

    "Delete my conversation" and the retention job delete Rasa's events; every
    ``forget_interval_minutes`` the console drops its reviews of those conversations
    and the conversation ids in its audit log. Every ``audit_anchor_minutes`` it
    verifies the audit log and anchors it outside the database
    (``console/audit_anchor.py``). Both run once before the first page is served.
    """
    settings: Settings = app.state.settings

    async def forget() -> None:
        try:
            dropped = await asyncio.to_thread(
                functools.partial(
                    forget_deleted,
                    app.state.own_engine,
                    app.state.tracker,
                    audit_key=settings.audit_key,
                )
            )
            if dropped:
                logger.info("reviews of deleted conversations dropped: %d", dropped)
        except Exception:  # the next round tries again
            logger.exception("could not follow deletions in the tracker store")

    async def anchor() -> None:
        app.state.anchor_round = await asyncio.to_thread(
            anchor_round, app.state.own_engine, settings
        )

    await forget()
    tasks = [asyncio.create_task(_every(settings.forget_interval_minutes * 60, forget))]
    if settings.audit_anchor_file is not None:
        await anchor()
        tasks.append(
            asyncio.create_task(_every(settings.audit_anchor_minutes * 60, anchor))
        )
    try:
        yield
    finally:
        for task in tasks:
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
    app.state.anchor_round = None
    return app
