"""Outgoing platform calls: retried when certainly not processed, never twice otherwise.

Every test makes real HTTP calls to a fake platform served on loopback
(``tests/helpers/loopback.py``) and counts the calls the platform received.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiohttp import web

from channels import http
from channels.http import PlatformError, RetryPolicy, post
from channels.slack import SlackSecureOutput
from supervisor.process import free_port
from tests.helpers.loopback import serve

OK = 200
QUICK = {
    http.ATTEMPTS_ENV: "3",
    http.FIRST_DELAY_ENV: "0.05",
    http.MAX_DELAY_ENV: "2",
    http.CONNECT_TIMEOUT_ENV: "0.3",
}


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short delays, set as a deployment sets them: in the environment."""
    for name, value in QUICK.items():
        monkeypatch.setenv(name, value)


async def try_post(url: str) -> object:
    """``post``'s answer, or the PlatformError it raised."""
    try:
        return await post(url, json={}, description="test")
    except PlatformError as error:
        return error


def platform_app(
    answers: list[int],
    calls: list[float],
    *,
    delay_s: float = 0.0,
    headers: dict[str, str] | None = None,
) -> web.Application:
    """A platform that answers its n-th call with ``answers[n]`` (the last repeats).

    Each call's time goes into ``calls``; ``delay_s`` delays the first answer and
    ``headers`` go with every refusal.
    """

    async def handler(_: web.Request) -> web.StreamResponse:
        calls.append(time.monotonic())
        if len(calls) == 1 and delay_s:
            await asyncio.sleep(delay_s)
        code = answers[min(len(calls), len(answers)) - 1]
        if code == OK:
            return web.json_response({"ok": True})
        return web.Response(status=code, text="busy", headers=headers)

    app = web.Application()
    app.router.add_post("/api", handler)
    return app


async def call_platform(
    answers: list[int],
    *,
    delay_s: float = 0.0,
    headers: dict[str, str] | None = None,
) -> tuple[object, list[float]]:
    """Post once to ``platform_app``; what ``post`` gave and when the platform was called."""
    calls: list[float] = []
    port = free_port()
    runner = await serve(
        platform_app(answers, calls, delay_s=delay_s, headers=headers), port
    )
    try:
        return await try_post(f"http://127.0.0.1:{port}/api"), calls
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("code", [429, 503])
def test_a_call_not_processed_is_tried_again(code: int) -> None:
    result, calls = asyncio.run(call_platform([code, code, OK]))
    assert (result, len(calls)) == ({"ok": True}, 3)


def test_the_waits_grow_and_stay_within_the_backoff() -> None:
    """0.05 s then 0.1 s, each jittered down by at most half."""
    _, calls = asyncio.run(call_platform([503, 503, OK]))
    first, second = calls[1] - calls[0], calls[2] - calls[1]
    assert 0.025 <= first < 0.05 + 0.15
    assert 0.05 <= second < 0.1 + 0.15


def test_it_gives_up_after_the_attempts_the_environment_sets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(http.ATTEMPTS_ENV, "4")
    result, calls = asyncio.run(call_platform([503]))
    assert isinstance(result, PlatformError) and "HTTP 503" in str(result)
    assert len(calls) == 4
    monkeypatch.setenv(http.ATTEMPTS_ENV, "1")
    result, calls = asyncio.run(call_platform([429, OK]))
    assert isinstance(result, PlatformError) and len(calls) == 1


def test_the_platforms_own_wait_is_kept() -> None:
    result, calls = asyncio.run(call_platform([429, OK], headers={"Retry-After": "1"}))
    assert result == {"ok": True}
    assert calls[1] - calls[0] >= 1.0


def test_a_wait_longer_than_the_longest_ends_the_attempts() -> None:
    """Asked to wait 30 s, a reply would come far too late: reported at once."""
    result, calls = asyncio.run(call_platform([429, OK], headers={"Retry-After": "30"}))
    assert isinstance(result, PlatformError) and "wait 30 s" in str(result)
    assert len(calls) == 1


@pytest.mark.parametrize("code", [400, 500, 502, 504])
def test_a_refusal_or_a_failure_that_may_have_delivered_is_not_retried(
    code: int,
) -> None:
    """A 500, or a gateway's 502/504, may come after the message went out."""
    result, calls = asyncio.run(call_platform([code, OK]))
    assert isinstance(result, PlatformError) and len(calls) == 1


def test_a_timeout_after_the_request_went_out_is_not_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The platform may have delivered it: a person must not read a message twice."""
    monkeypatch.setattr(http, "REQUEST_TIMEOUT", http.aiohttp.ClientTimeout(total=0.3))
    result, calls = asyncio.run(call_platform([OK], delay_s=5))
    assert isinstance(result, PlatformError) and "timed out" in str(result)
    assert len(calls) == 1


def test_no_connection_is_tried_again_then_reported() -> None:
    port = free_port()  # nothing listens there
    result = asyncio.run(try_post(f"http://127.0.0.1:{port}/api"))
    assert isinstance(result, PlatformError) and "failed" in str(result)


def test_a_platform_that_comes_up_between_attempts_gets_the_call_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first attempt is refused a connection; the platform listens by the next."""
    monkeypatch.setenv(http.FIRST_DELAY_ENV, "0.6")

    async def scenario() -> tuple[object, list[float]]:
        calls: list[float] = []
        port = free_port()

        async def platform_starts() -> web.AppRunner:
            await asyncio.sleep(0.2)
            return await serve(platform_app([OK], calls), port)

        starting = asyncio.create_task(platform_starts())
        result = await try_post(f"http://127.0.0.1:{port}/api")
        await (await starting).cleanup()
        return result, calls

    result, calls = asyncio.run(scenario())
    assert (result, len(calls)) == ({"ok": True}, 1)


@pytest.fixture
def unanswering_port() -> Iterator[tuple[int, socket.socket]]:
    """A port whose connections hang: its listener's backlog is full, never accepted."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname(), timeout=1)
    try:
        yield listener.getsockname()[1], listener
    finally:
        filler.close()
        listener.close()


def test_a_connect_timeout_is_tried_again_as_nothing_was_sent(
    monkeypatch: pytest.MonkeyPatch, unanswering_port: tuple[int, socket.socket]
) -> None:
    """The first connection hangs (0.3 s connect timeout); then the platform answers."""
    port, listener = unanswering_port
    monkeypatch.setenv(http.FIRST_DELAY_ENV, "0.8")

    async def scenario() -> tuple[object, list[float]]:
        calls: list[float] = []

        async def platform_takes_over() -> web.AppRunner:
            await asyncio.sleep(0.5)  # after the first attempt timed out
            listener.close()
            return await serve(platform_app([OK], calls), port)

        taking_over = asyncio.create_task(platform_takes_over())
        result = await try_post(f"http://127.0.0.1:{port}/api")
        await (await taking_over).cleanup()
        return result, calls

    result, calls = asyncio.run(scenario())
    assert (result, len(calls)) == ({"ok": True}, 1)


def test_a_connect_timeout_on_every_attempt_is_reported(
    unanswering_port: tuple[int, socket.socket],
) -> None:
    port, _ = unanswering_port
    started = time.monotonic()
    result = asyncio.run(try_post(f"http://127.0.0.1:{port}/api"))
    assert isinstance(result, PlatformError) and "timed out" in str(result)
    # Three connect timeouts of 0.3 s and two short waits: bounded, not 15 s each.
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (http.ATTEMPTS_ENV, "0"),
        (http.ATTEMPTS_ENV, "11"),
        (http.ATTEMPTS_ENV, "three"),
        (http.FIRST_DELAY_ENV, "-1"),
        (http.FIRST_DELAY_ENV, "5"),  # above the longest wait, 2 s here
        (http.CONNECT_TIMEOUT_ENV, "0"),
    ],
)
def test_wrong_retry_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="PLATFORM_|platform retry"):
        RetryPolicy.from_env(http.os.environ)


def test_the_defaults_without_settings() -> None:
    assert RetryPolicy.from_env({}) == RetryPolicy(
        attempts=3, first_delay_s=0.5, max_delay_s=8.0, connect_timeout_s=5.0
    )


async def slack_posts(
    answer: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> tuple[object, int]:
    """Post one Slack reply through the channel's client to a fake Slack API.

    ``answer`` answers each call to ``chat.postMessage``; returns what the send gave
    (None, or the error it raised) and how many calls the fake received.
    """
    calls = 0

    async def handler(request: web.Request) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        await request.read()
        return await answer(request)

    app = web.Application()
    app.router.add_post("/api/chat.postMessage", handler)
    port = free_port()
    runner = await serve(app, port)
    output = SlackSecureOutput(
        "xoxb-test", api_base_url=f"http://127.0.0.1:{port}/api/"
    )
    try:
        await output.send_text_message("U0123", "hello")
        result: object = None
    except Exception as error:  # noqa: BLE001 - the test reports what was raised
        result = error
    finally:
        await runner.cleanup()
    return result, calls


def test_slack_is_tried_again_when_it_rate_limits() -> None:
    answers = iter([429, OK])

    async def answer(_: web.Request) -> web.StreamResponse:
        if next(answers) == 429:
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": "0"},
            )
        return web.json_response({"ok": True, "ts": "1.1"})

    assert asyncio.run(slack_posts(answer)) == (None, 2)


def slack_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the Slack channel logged at ERROR."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "channels.slack" and record.levelno >= logging.ERROR
    ]


def test_slack_still_rate_limiting_after_the_attempts_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """As the other connectors: logged without the message, and the turn goes on."""

    async def answer(_: web.Request) -> web.StreamResponse:
        return web.json_response(
            {"ok": False, "error": "ratelimited"},
            status=429,
            headers={"Retry-After": "0"},
        )

    with caplog.at_level(logging.ERROR, logger="channels.slack"):
        assert asyncio.run(slack_posts(answer)) == (None, 3)
    (error,) = slack_errors(caplog)
    assert "429" in error and "ratelimited" in error
    assert "hello" not in error


def test_slack_is_not_tried_again_when_the_connection_drops_after_the_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """slack_sdk's own default would post again: Slack may already have posted it."""

    async def answer(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        return web.json_response({"ok": True, "ts": "1.1"})

    with caplog.at_level(logging.ERROR, logger="channels.slack"):
        assert asyncio.run(slack_posts(answer)) == (None, 1)
    (error,) = slack_errors(caplog)
    assert "hello" not in error
