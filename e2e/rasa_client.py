"""The few HTTP calls the e2e runner makes to a Rasa server, and how they fail.

Messages go to the REST webhook, everything else (``/status``, the tracker, appended
events) to the HTTP API, which may answer at another address (behind the cluster's
nginx, which routes only the webhook). A request a proxy refuses as one too many
(HTTP 429) is sent again after a back-off; a refused token stops with the way to pass
the right one.
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


RATE_LIMIT_RETRIES = 8


def _retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks for (``None`` when absent or a date)."""
    try:
        return min(10.0, float(value)) if value else None
    except ValueError:
        return None


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

    def _params(self, **extra: str) -> dict[str, str]:
        params = dict(extra)
        if self.token:
            params["token"] = self.token
        return params

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request; one refused as too many (HTTP 429) is sent again a bit later.

        A proxy's rate limit (the cluster's nginx allows one client address so many
        requests a second) refuses a request before the assistant sees it, so sending
        it again cannot duplicate a message.
        """
        attempt = 0
        while True:
            try:
                return await self._request_once(method, path, **kwargs)
            except RateLimited as refused:
                if attempt == RATE_LIMIT_RETRIES:
                    raise AssistantError(str(refused)) from refused
                self.rate_limited += 1
                await asyncio.sleep(refused.wait_s or min(2.0, 0.25 * 2**attempt))
                attempt += 1

    async def _request_once(self, method: str, path: str, **kwargs: Any) -> Any:
        base = self.url if path.startswith("/webhooks/") else self.api_url
        url = f"{base}{path}"
        try:
            async with self.session.request(
                method, url, timeout=self.timeout, **kwargs
            ) as response:
                if response.status == 429:
                    raise RateLimited(
                        f"{method} {path} answered HTTP 429 (too many requests)"
                        f" {RATE_LIMIT_RETRIES + 1} times",
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
