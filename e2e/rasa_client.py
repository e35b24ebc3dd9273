"""The few HTTP calls the e2e runner makes to a Rasa server, and how they fail.

Messages go to the REST webhook, everything else (``/status``, the tracker, appended
events) to the HTTP API, which may answer at another address (behind the cluster's
nginx, which routes only the webhook). A request a proxy refuses as one too many
(HTTP 429) is sent again after a back-off, and every worker slows down with it (see
:class:`Pacer`); a refused token stops with the way to pass the right one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp


class AssistantError(RuntimeError):
    """The assistant could not be reached or answered with an HTTP error."""


class AuthError(AssistantError):
    """The assistant refused the token (HTTP 401/403)."""


class RateLimited(Exception):
    """A proxy refused a request as one too many (HTTP 429); it may be sent again."""

    def __init__(self, message: str, *, wait_s: float | None) -> None:
        """``wait_s``: what the answer's ``Retry-After`` asked for, if anything."""
        super().__init__(message)
        self.wait_s = wait_s


RATE_LIMIT_PATIENCE_S = 60.0  # how long one request may keep being refused
FIRST_BACK_OFF_S = 0.25
LONGEST_BACK_OFF_S = 2.0
SLOWEST_SPACING_S = 1.0  # between two requests, however often they are refused


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (``None`` when absent or a date)."""
    try:
        return min(10.0, float(value)) if value else None
    except ValueError:
        return None


class Pacer:
    """When the requests of every worker sharing one client may go out.

    Behind a rate limit the workers share one client address. A worker that backed
    off on its own would find the bucket kept full by the others and could be
    refused again and again; so a refusal holds every request back for the back-off
    and doubles the spacing between requests, and each request answered halves it
    again towards none (the way TCP shares a link). Requests take their turns in the
    order they asked, so one sent again is not overtaken for ever.
    """

    def __init__(self) -> None:
        self.spacing_s = 0.0
        self._next_s = 0.0  # loop time of the next free turn

    async def turn(self) -> None:
        """Wait for this request's turn."""
        now = asyncio.get_running_loop().time()
        start = max(now, self._next_s)
        self._next_s = start + self.spacing_s
        if start > now:
            await asyncio.sleep(start - now)

    def refused(self, back_off_s: float) -> None:
        """A request was refused as one too many: hold everything back, then go slower."""
        now = asyncio.get_running_loop().time()
        self._next_s = max(self._next_s, now + back_off_s)
        self.spacing_s = min(SLOWEST_SPACING_S, max(0.01, self.spacing_s * 2))

    def answered(self) -> None:
        """A request got through: go a little faster."""
        self.spacing_s = self.spacing_s / 2 if self.spacing_s > 0.005 else 0.0


class RasaClient:
    """The few HTTP calls the runner makes to a Rasa server (REST channel and HTTP API)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        api_url: str | None = None,
        token: str | None = None,
        rest_token: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        """Talk to the Rasa server at ``url`` with ``session``.

        ``api_url`` is where its HTTP API answers when that is not ``url``: behind
        the cluster's nginx, which routes only the REST webhook, one instance's own
        address (the instances share the tracker store). ``token`` is the HTTP API's
        (``--auth-token``); ``rest_token`` the bearer token the REST channel may
        require (this project's ``REST_TOKEN``).
        """
        self.session = session
        self.url = url.rstrip("/")
        self.api_url = (api_url or url).rstrip("/")
        self.token = token
        self.rest_token = rest_token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.rate_limited = 0  # requests refused with HTTP 429 and sent again
        self.pacer = Pacer()  # shared by every worker using this client

    def _params(self, **extra: str) -> dict[str, str]:
        params = dict(extra)
        if self.token:
            params["token"] = self.token
        return params

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request; one refused as too many (HTTP 429) is sent again a bit later.

        A proxy's rate limit (the cluster's nginx allows one client address so many
        requests a second) refuses a request before the assistant sees it, so sending
        it again cannot duplicate a message. One still refused after
        ``RATE_LIMIT_PATIENCE_S`` is an error.
        """
        loop = asyncio.get_running_loop()
        first_s, refusals = loop.time(), 0
        while True:
            await self.pacer.turn()
            try:
                answer = await self._request_once(method, path, **kwargs)
            except RateLimited as refused:
                refusals += 1
                if loop.time() - first_s > RATE_LIMIT_PATIENCE_S:
                    raise AssistantError(
                        f"{refused} {refusals} times in {loop.time() - first_s:.0f}s"
                    ) from refused
                self.rate_limited += 1
                back_off = FIRST_BACK_OFF_S * 2 ** (refusals - 1)
                self.pacer.refused(refused.wait_s or min(LONGEST_BACK_OFF_S, back_off))
                continue
            self.pacer.answered()
            return answer

    async def _request_once(self, method: str, path: str, **kwargs: Any) -> Any:
        base = self.url if path.startswith("/webhooks/") else self.api_url
        url = f"{base}{path}"
        try:
            async with self.session.request(
                method, url, timeout=self.timeout, **kwargs
            ) as response:
                if response.status == 429:
                    raise RateLimited(
                        f"{method} {path} answered HTTP 429 (too many requests)",
                        wait_s=_retry_after(response.headers.get("Retry-After")),
                    )
                if response.status in (401, 403):
                    raise AuthError(self._refused(method, path, response.status))
                if response.status >= 400:
                    body = (await response.text())[:500]
                    raise AssistantError(
                        f"{method} {path} answered HTTP {response.status}: {body}"
                    )
                return await response.json(content_type=None)
        except asyncio.TimeoutError as error:
            raise AssistantError(
                f"{method} {path}: no answer within {self.timeout.total:.0f}s"
            ) from error
        except aiohttp.ClientError as error:
            raise AssistantError(f"{method} {path}: {error}") from error

    def _refused(self, method: str, path: str, status: int) -> str:
        if path.startswith("/webhooks/"):
            given = "a wrong REST token" if self.rest_token else "no REST token"
            how = (
                "Pass the REST channel's bearer token as --rest-token or E2E_REST_TOKEN"
                " (REST_TOKEN is read too; `make run` prints it)."
            )
        else:
            given = "a wrong token" if self.token else "no token"
            how = (
                "Pass the token its HTTP API was started with (--auth-token) as"
                " --token or E2E_TOKEN (RASA_TOKEN is read too; `make run` prints it)."
            )
        return f"{method} {path} answered HTTP {status}: the assistant refused {given}. {how}"

    async def status(self) -> dict[str, Any]:
        """``GET /status``: the loaded model (needs ``--enable-api``)."""
        return await self._request("GET", "/status", params=self._params())

    async def send(
        self, sender: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Post a user message (and its metadata) to the REST webhook; returns the replies.

        ``X-Conversation-Id`` names the conversation, as the cluster's nginx expects
        from REST clients: it keeps a conversation on one instance and spreads the
        cases over all of them.
        """
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata:
            body["metadata"] = metadata
        headers = {"X-Conversation-Id": sender}
        if self.rest_token:
            headers["Authorization"] = f"Bearer {self.rest_token}"
        replies = await self._request(
            "POST", "/webhooks/rest/webhook", json=body, headers=headers
        )
        return list(replies or [])

    async def tracker(self, conversation: str) -> dict[str, Any]:
        """The tracker of ``conversation`` with every event (``include_events=ALL``)."""
        return await self._request(
            "GET",
            f"/conversations/{conversation}/tracker",
            params=self._params(include_events="ALL"),
        )

    async def append_events(
        self, conversation: str, events: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Append events to ``conversation`` (the server starts its session first)."""
        return await self._request(
            "POST",
            f"/conversations/{conversation}/tracker/events",
            params=self._params(include_events="ALL"),
            json=events,
        )
