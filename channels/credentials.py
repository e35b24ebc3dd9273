"""Build Rasa's credentials file from the environment.

A messaging channel is enabled only when all of its required environment
variables are set; a channel that is half configured is reported and left
off rather than started insecurely. Values are written as ``${VAR}``
placeholders, which Rasa expands when it reads the file (see
``rasa.shared.utils.io.replace_environment_variables``), so no secret is ever
written to disk.

Usage (what ``make run`` calls)::

    python -m channels.credentials --output build/credentials.yml --print-live

``--base credentials.yml`` copies the other entries of an existing file into the
output; its ``socketio`` settings go to the widget's checked channel, and Rasa's own
``rest`` and ``socketio`` channels are never started (a client could name the
conversation it writes into).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class ChannelSpec:
    """How one channel's credentials come from the environment."""

    name: str
    key: str
    required: Mapping[str, str]
    optional: Mapping[str, str] = field(default_factory=dict)
    # Keys this channel replaces when read from a base file (Rasa's own connectors).
    replaces: tuple[str, ...] = ()


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        name="telegram",
        key="channels.telegram.TelegramSecureInput",
        required={
            "access_token": "TELEGRAM_BOT_TOKEN",
            "secret_token": "TELEGRAM_SECRET_TOKEN",
        },
        optional={
            "webhook_url": "TELEGRAM_WEBHOOK_URL",
            "api_base_url": "TELEGRAM_API_BASE_URL",
            "button_style": "TELEGRAM_BUTTON_STYLE",
        },
        replaces=("telegram",),
    ),
    ChannelSpec(
        name="twilio",
        key="channels.twilio.TwilioSecureInput",
        required={
            "account_sid": "TWILIO_ACCOUNT_SID",
            "auth_token": "TWILIO_AUTH_TOKEN",
            "webhook_url": "TWILIO_WEBHOOK_URL",
        },
        optional={
            "twilio_number": "TWILIO_NUMBER",
            "whatsapp_number": "TWILIO_WHATSAPP_NUMBER",
            "messaging_service_sid": "TWILIO_MESSAGING_SERVICE_SID",
            "api_base_url": "TWILIO_API_BASE_URL",
            "sms_max_chars": "TWILIO_SMS_MAX_CHARS",
            "whatsapp_max_chars": "TWILIO_WHATSAPP_MAX_CHARS",
        },
        replaces=("twilio",),
    ),
    ChannelSpec(
        name="slack",
        key="channels.slack.SlackSecureInput",
        required={
            "slack_token": "SLACK_BOT_TOKEN",
            "slack_signing_secret": "SLACK_SIGNING_SECRET",
        },
        optional={
            "slack_channel": "SLACK_CHANNEL",
            "api_base_url": "SLACK_API_BASE_URL",
        },
        replaces=("slack",),
    ),
    ChannelSpec(
        name="facebook",
        key="channels.facebook.FacebookSecureInput",
        required={
            "verify": "FACEBOOK_VERIFY_TOKEN",
            "secret": "FACEBOOK_APP_SECRET",
            "page-access-token": "FACEBOOK_PAGE_ACCESS_TOKEN",
        },
        optional={"graph_base_url": "FACEBOOK_GRAPH_BASE_URL"},
        replaces=("facebook",),
    ),
)

# Always on: the REST API (tests, integrations) and Socket.IO (the web widget), through
# the widget's hardened subclass of Rasa's socketio channel (origin check, rooms joined).
WIDGET_SOCKET_KEY = "channels.socketio.ClinicSocketIOInput"
SOCKET_KEYS = ("socketio", WIDGET_SOCKET_KEY)
REST_KEY = "channels.rest.RestSecureInput"
CALLBACK_KEY = "channels.callback.CallbackSecureInput"
DEFAULT_ENTRIES: dict[str, Any] = {
    REST_KEY: None,
    WIDGET_SOCKET_KEY: {
        "user_message_evt": "user_uttered",
        "bot_message_evt": "bot_uttered",
        "session_persistence": True,
    },
}


def _is_set(environ: Mapping[str, str], variable: str) -> bool:
    return bool(environ.get(variable, "").strip())


def missing_variables(spec: ChannelSpec, environ: Mapping[str, str]) -> list[str]:
    """Return the required variables of ``spec`` that ``environ`` lacks."""
    return [v for v in spec.required.values() if not _is_set(environ, v)]


def channel_credentials(
    environ: Mapping[str, str] | None = None, *, placeholders: bool = True
) -> dict[str, dict[str, str]]:
    """Return the credentials of every channel whose required variables are set.

    Args:
        environ: Environment to read (default ``os.environ``).
        placeholders: Write ``${VAR}`` (expanded by Rasa) instead of the values.

    Returns:
        ``{credentials key: {field: value}}`` for the live channels only.
    """
    environ = os.environ if environ is None else environ
    live: dict[str, dict[str, str]] = {}
    for spec in CHANNELS:
        if missing_variables(spec, environ):
            continue
        fields = {**spec.required, **spec.optional}
        live[spec.key] = {
            name: f"${{{variable}}}" if placeholders else environ[variable].strip()
            for name, variable in fields.items()
            if _is_set(environ, variable)
        }
    return live


def effective_credentials(
    environ: Mapping[str, str] | None = None,
    *,
    base: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the whole credentials mapping Rasa should start with.

    The checked REST channel and the widget's Socket.IO channel are always present,
    the socket with ``base``'s settings when it has any. Rasa's own ``rest``,
    ``socketio`` and ``callback`` are replaced by the checked ones (same paths, the
    callback channel with ``base``'s settings): all three let a client name the
    conversation it writes into, the socket through its ``session_id``.
    Other entries of ``base`` are kept unless they configure one of the messaging
    channels, which come only from the environment.
    """
    base = base or {}
    managed = {key for spec in CHANNELS for key in (spec.key, *spec.replaces)}
    managed.update(("rest", "socketio", "callback"))
    result: dict[str, Any] = dict(DEFAULT_ENTRIES)
    for key in SOCKET_KEYS:  # the widget's own entry wins over Rasa's
        if key in base:
            result[WIDGET_SOCKET_KEY] = base[key]
    if "callback" in base:  # Rasa's files a message under any id its caller names
        result[CALLBACK_KEY] = base["callback"]
    for key, value in base.items():
        if key not in managed:
            result[key] = value
    result.update(channel_credentials(environ))
    return result


def live_report(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return one line per messaging channel saying whether it is live and why not."""
    environ = os.environ if environ is None else environ
    lines = []
    for spec in CHANNELS:
        missing = missing_variables(spec, environ)
        if not missing:
            lines.append(f"{spec.name}: live (/webhooks/{spec.name}/webhook)")
        elif len(missing) < len(spec.required):
            lines.append(f"{spec.name}: NOT enabled, missing {', '.join(missing)}")
        else:
            lines.append(f"{spec.name}: off (set {', '.join(spec.required.values())})")
    return lines


def render_yaml(credentials: Mapping[str, Any]) -> str:
    """Render the credentials as YAML whose placeholders Rasa will expand."""
    header = (
        "# Generated by `python -m channels.credentials`; do not edit.\n"
        "# ${VAR} placeholders are expanded by Rasa from the environment.\n"
    )
    return header + yaml.safe_dump(dict(credentials), sort_keys=False)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m channels.credentials",
        description="Write the Rasa credentials file for the channels set in the "
        "environment.",
    )
    parser.add_argument("--output", type=Path, required=True, help="file to write")
    parser.add_argument(
        "--base", type=Path, help="credentials file whose other entries to keep"
    )
    parser.add_argument(
        "--print-live", action="store_true", help="print which channels are live"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the effective credentials file; optionally report the live channels."""
    args = _parse_args(argv)
    base = None
    if args.base is not None:
        # Plain YAML load: placeholders stay unexpanded strings.
        base = yaml.safe_load(args.base.read_text(encoding="utf-8")) or {}
    credentials = effective_credentials(base=base)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render_yaml(credentials), encoding="utf-8")
    if args.print_live:
        print(f"Wrote {args.output} with: {', '.join(credentials)}")
        for line in live_report():
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
