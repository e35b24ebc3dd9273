"""Outgoing platform calls: retried when certainly not processed, never hanging."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from aiohttp import web

from channels import http
from channels.http import PlatformError, post
from supervisor.process import free_port


async def call_platform(
    answers: list[Callable[[], web.StreamResponse]], **options: object
) -> tuple[object, int]:
    calls = 0

    async def handler(_: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        return await answers[min(calls, len(answers)) - 1]()

    app = web.Application()
    app.router.add_post("/api", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        try:
            result: object = await post(
                f"http://127.0.0.1:{port}/api", json={}, description="test", **options
            )
        except PlatformError as error:
            result = error
        return result, calls
    finally:
        await runner.cleanup()


def ok() -> Callable[[], object]:
    async def answer() -> web.StreamResponse:
        return web.json_response({"ok": True})

    return answer


def status(code: int) -> Callable[[], object]:
    async def answer() -> web.StreamResponse:
        return web.Response(status=code, text="busy")

    return answer


def slow() -> Callable[[], object]:
    async def answer() -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.json_response({"ok": True})

    return answer


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "RETRY_DELAY_S", 0.01)


@pytest.mark.parametrize("code", [429, 502, 503, 504])
def test_a_call_not_processed_is_tried_again(code: int) -> None:
    result, calls = asyncio.run(call_platform([status(code), ok()]))
    assert (result, calls) == ({"ok": True}, 2)


def test_it_gives_up_after_the_attempts() -> None:
    result, calls = asyncio.run(call_platform([status(503)]))
    assert isinstance(result, PlatformError) and "HTTP 503" in str(result)
    assert calls == 2


def test_a_refusal_is_not_retried() -> None:
    result, calls = asyncio.run(call_platform([status(400), ok()]))
    assert isinstance(result, PlatformError) and calls == 1


def test_a_timeout_is_a_platform_error_and_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The platform may have delivered it: a person must not read a message twice."""
    monkeypatch.setattr(http, "REQUEST_TIMEOUT", http.aiohttp.ClientTimeout(total=0.3))
    result, calls = asyncio.run(call_platform([slow(), ok()]))
    assert isinstance(result, PlatformError) and "timed out" in str(result)
    assert calls == 1


def test_no_connection_is_tried_again_then_reported() -> None:
    port = free_port()  # nothing listens there

    async def run() -> object:
        try:
            return await post(
                f"http://127.0.0.1:{port}/api", json={}, description="test"
            )
        except PlatformError as error:
            return error

    assert isinstance(asyncio.run(run()), PlatformError)
