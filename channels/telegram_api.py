"""The Telegram Bot API methods the assistant uses, and the webhook command line.

    python -m channels.telegram_api set-webhook [--url URL] [--drop-pending-updates]
    python -m channels.telegram_api webhook-info
    python -m channels.telegram_api delete-webhook

Reads TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN, TELEGRAM_WEBHOOK_URL and
TELEGRAM_API_BASE_URL (default https://api.telegram.org).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from rasa.shared.exceptions import RasaException

from channels.http import PlatformError, post

DEFAULT_API_BASE_URL = "https://api.telegram.org"
# Telegram allows 1-256 characters from this set in a webhook secret.
_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def validate_secret_token(secret_token: str | None) -> str:
    """Return ``secret_token`` if Telegram accepts it as a webhook secret.

    Raises:
        RasaException: When the secret is missing or has characters Telegram
            refuses (only ``A-Z a-z 0-9 _ -``, 1 to 256 characters).
    """
    if not secret_token or not _SECRET_PATTERN.match(secret_token):
        raise RasaException(
            "The Telegram channel needs a secret_token of 1-256 characters "
            "from A-Z, a-z, 0-9, _ and -; without it anyone could post updates."
        )
    return secret_token


class TelegramBotApi:
    """The few Bot API methods the assistant uses, over aiohttp."""

    def __init__(self, access_token: str, *, api_base_url: str) -> None:
        """Create a client for the bot with ``access_token``."""
        self._access_token = access_token
        self.api_base_url = api_base_url.rstrip("/")

    async def call(self, method: str, payload: Mapping[str, Any]) -> Any:
        """Call a Bot API method with a JSON body and return its ``result``."""
        answer = await post(
            f"{self.api_base_url}/bot{self._access_token}/{method}",
            json=dict(payload),
            description=f"Telegram {method}",
        )
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise PlatformError(f"Telegram {method} was not ok: {answer!r:.200}")
        return answer.get("result")

    async def set_webhook(
        self, url: str, *, secret_token: str, drop_pending_updates: bool = False
    ) -> Any:
        """Register ``url`` as the bot's webhook, signed with ``secret_token``."""
        return await self.call(
            "setWebhook",
            {
                "url": url,
                "secret_token": secret_token,
                "allowed_updates": ["message", "callback_query"],
                "drop_pending_updates": drop_pending_updates,
            },
        )

    async def delete_webhook(self) -> Any:
        """Remove the bot's webhook."""
        return await self.call("deleteWebhook", {})

    async def get_webhook_info(self) -> Any:
        """Return what Telegram knows about the bot's webhook."""
        return await self.call("getWebhookInfo", {})


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m channels.telegram_api",
        description=(
            "Manage the Telegram webhook. Reads TELEGRAM_BOT_TOKEN, "
            "TELEGRAM_SECRET_TOKEN, TELEGRAM_WEBHOOK_URL and TELEGRAM_API_BASE_URL."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    register = commands.add_parser("set-webhook", help="register the webhook")
    register.add_argument(
        "--url", help="public HTTPS URL (default TELEGRAM_WEBHOOK_URL)"
    )
    register.add_argument(
        "--drop-pending-updates",
        action="store_true",
        help="discard updates that queued up while no webhook was set",
    )
    commands.add_parser("delete-webhook", help="remove the webhook")
    commands.add_parser("webhook-info", help="show the webhook Telegram has")
    return parser.parse_args(argv)


async def _run(args: argparse.Namespace, environ: Mapping[str, str]) -> Any:
    token = environ.get("TELEGRAM_BOT_TOKEN")
    if not token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set.")
    api = TelegramBotApi(
        token,
        api_base_url=environ.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL,
    )
    if args.command == "set-webhook":
        url = args.url or environ.get("TELEGRAM_WEBHOOK_URL")
        if not url:
            raise SystemExit("Give --url or set TELEGRAM_WEBHOOK_URL.")
        try:
            secret = validate_secret_token(environ.get("TELEGRAM_SECRET_TOKEN"))
        except RasaException as error:
            raise SystemExit(f"TELEGRAM_SECRET_TOKEN: {error}") from error
        return await api.set_webhook(
            url, secret_token=secret, drop_pending_updates=args.drop_pending_updates
        )
    if args.command == "delete-webhook":
        return await api.delete_webhook()
    return await api.get_webhook_info()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the webhook CLI; print Telegram's answer."""
    args = _parse_args(argv)
    try:
        result = asyncio.run(_run(args, os.environ))
    except PlatformError as error:
        print(f"Telegram refused: {error}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
