"""Outgoing platform calls: retried when certainly not processed, never hanging."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from channels import http
from channels.http import PlatformError, post
from supervisor.process import free_port
from tests.helpers.loopback import serve

OK = 200


async def try_post(url: str) -> object:
    """``post``'s answer, or the PlatformError it raised."""
    try:
        return await post(url, json={}, description="test")
    except PlatformError as error:
        return error


async def call_platform(
    answers: list[int], *, delay_s: float = 0.0
) -> tuple[object, int]:
    """Post once to a platform that answers its n-th call with ``answers[n]``.

    The last answer repeats; ``delay_s`` delays the first answer. Returns what
    ``post`` gave and how many calls the platform received.
    """
    calls = 0

    async def handler(_: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        if calls == 1 and delay_s:
            await asyncio.sleep(delay_s)
        code = answers[min(calls, len(answers)) - 1]
        if code == OK:
            return web.json_response({"ok": True})
        return web.Response(status=code, text="busy")

    app = web.Application()
    app.router.add_post("/api", handler)
    port = free_port()
    runner = await serve(app, port)
    try:
        return await try_post(f"http://127.0.0.1:{port}/api"), calls
    finally:
        await runner.cleanup()


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "RETRY_DELAY_S", 0.01)


@pytest.mark.parametrize("code", [429, 502, 503, 504])
def test_a_call_not_processed_is_tried_again(code: int) -> None:
    result, calls = asyncio.run(call_platform([code, OK]))
    assert (result, calls) == ({"ok": True}, 2)


def test_it_gives_up_after_the_attempts() -> None:
    result, calls = asyncio.run(call_platform([503]))
    assert isinstance(result, PlatformError) and "HTTP 503" in str(result)
    assert calls == 2


def test_a_refusal_is_not_retried() -> None:
    result, calls = asyncio.run(call_platform([400, OK]))
    assert isinstance(result, PlatformError) and calls == 1


def test_a_timeout_is_a_platform_error_and_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The platform may have delivered it: a person must not read a message twice."""
    monkeypatch.setattr(http, "REQUEST_TIMEOUT", http.aiohttp.ClientTimeout(total=0.3))
    result, calls = asyncio.run(call_platform([OK], delay_s=5))
    assert isinstance(result, PlatformError) and "timed out" in str(result)
    assert calls == 1


def test_no_connection_is_tried_again_then_reported() -> None:
    port = free_port()  # nothing listens there
    assert isinstance(
        asyncio.run(try_post(f"http://127.0.0.1:{port}/api")), PlatformError
    )
