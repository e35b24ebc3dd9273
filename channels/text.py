"""Platform-neutral text handling: splitting long replies, rendering buttons.

Pure functions and one small in-memory store; nothing here talks to a network.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

# Per-message character limits of each platform (one place, so docs and tests
# can refer to them).
TELEGRAM_LIMIT = 4096
SMS_LIMIT = 1600
WHATSAPP_LIMIT = 4096
SLACK_LIMIT = 3000
MESSENGER_LIMIT = 2000
MESSENGER_BUTTON_TEXT_LIMIT = 640

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _pieces(text: str, limit: int, joiner: str = "\n\n") -> list[tuple[str, str]]:
    """Cut ``text`` into ``(joiner, piece)`` pairs with pieces of at most ``limit``.

    The most natural cut is tried first: paragraphs, then lines, then
    sentences, then words; a single word longer than the limit (a long URL,
    say) is cut hard. ``joiner`` is what separated a piece from the one before.
    """
    if len(text) <= limit:
        return [(joiner, text)]
    for separator, pattern in (
        ("\n\n", r"\n\s*\n"),
        ("\n", r"\n"),
        (" ", _SENTENCE_END),
    ):
        parts = [p.strip() for p in re.split(pattern, text) if p.strip()]
        if len(parts) > 1:
            pairs: list[tuple[str, str]] = []
            for index, part in enumerate(parts):
                pairs += _pieces(part, limit, joiner if index == 0 else separator)
            return pairs
    words = text.split()
    if len(words) > 1:
        return [(joiner if i == 0 else " ", w) for i, w in enumerate(words)]
    return [
        (joiner if i == 0 else "", text[i : i + limit])
        for i in range(0, len(text), limit)
    ]


def split_message(text: str, limit: int) -> list[str]:
    """Split a reply into messages of at most ``limit`` characters.

    Paragraphs, lines, sentences and words are packed greedily in their
    original order, so the first message always starts with the start of the
    reply (an emergency reply's "Call <number> now" stays first). Breaks
    between pieces that share a message are kept.

    Args:
        text: The reply as the domain renders it.
        limit: The platform's per-message character limit (at least 20).

    Returns:
        The messages to send, in order; empty when ``text`` is blank.
    """
    if limit < 20:
        raise ValueError("limit must be at least 20 characters")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []

    messages: list[str] = []
    current = ""
    for joiner, piece in _pieces(text, limit):
        if current and len(current) + len(joiner) + len(piece) <= limit:
            current += joiner + piece
        else:
            if current:
                messages.append(current)
            current = piece
    messages.append(current)
    return messages


def split_with_tail(text: str, limit: int, *, tail_limit: int) -> list[str]:
    """Split so that every message fits ``limit`` and the last fits ``tail_limit``.

    Used where the last message carries buttons or an appended option list
    with a smaller budget than plain text.
    """
    messages = split_message(text, limit)
    if not messages or len(messages[-1]) <= tail_limit:
        return messages
    return messages[:-1] + split_message(messages[-1], tail_limit)


async def send_in_parts(
    text: str,
    limit: int,
    send: Callable[[str], Awaitable[Any]],
    send_last: Callable[[str], Awaitable[Any]] | None = None,
    *,
    tail_limit: int | None = None,
    empty: str = " ",
) -> None:
    """Send a reply cut to a platform's limit, in order, the last part through ``send_last``.

    Every channel sends its buttons (a keyboard, a template, numbered options) with the
    last part of a reply; ``tail_limit`` is that part's smaller budget where it has one.
    With buttons, a blank reply is sent as ``empty`` so the buttons still arrive.
    """
    parts = (
        split_with_tail(text, limit, tail_limit=tail_limit)
        if tail_limit is not None
        else split_message(text, limit)
    )
    if send_last is None:
        for part in parts:
            await send(part)
        return
    parts = parts or [empty]
    for part in parts[:-1]:
        await send(part)
    await send_last(parts[-1])


def button_title(button: Mapping[str, Any]) -> str:
    """Return the title of a Rasa button (its payload when it has no title)."""
    return str(button.get("title") or button.get("payload") or "")


def render_numbered_options(buttons: Sequence[Mapping[str, Any]]) -> str:
    """Render buttons as a one-line numbered list: ``1. Yes  2. No  3. Not sure``."""
    return "  ".join(
        f"{number}. {button_title(button)}"
        for number, button in enumerate(buttons, start=1)
    )


def _normalise(answer: str) -> str:
    """Lower-case an answer and drop surrounding punctuation and spaces."""
    return re.sub(r"[\s.!,;:)]+$", "", answer.strip().lower()).strip()


def options_lookup(buttons: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Map each accepted answer (number or title, normalised) to its payload."""
    lookup: dict[str, str] = {}
    for number, button in enumerate(buttons, start=1):
        payload = str(button.get("payload") or button_title(button))
        lookup[str(number)] = payload
        lookup[_normalise(button_title(button))] = payload
    return lookup


class OfferedOptions:
    """The last buttons offered to each sender, in memory and bounded.

    Answers are single-use: looking one up forgets the sender's options, so a
    stale "2" days later is not taken as an answer to an old question. The
    store keeps at most ``max_senders`` entries (least recently offered are
    dropped first) and forgets entries older than ``ttl_seconds``.
    """

    def __init__(self, *, max_senders: int = 10_000, ttl_seconds: float = 86_400):
        """Create an empty store with the given bounds."""
        self.max_senders = max_senders
        self.ttl_seconds = ttl_seconds
        self._offers: OrderedDict[str, tuple[float, dict[str, str]]] = OrderedDict()

    def __len__(self) -> int:
        """Return the number of senders with options on offer."""
        return len(self._offers)

    def offer(self, sender_id: str, buttons: Sequence[Mapping[str, Any]]) -> None:
        """Remember ``buttons`` as the options on offer to ``sender_id``."""
        self._offers.pop(sender_id, None)
        self._offers[sender_id] = (time.monotonic(), options_lookup(buttons))
        while len(self._offers) > self.max_senders:
            self._offers.popitem(last=False)

    def offered_payloads(self, sender_id: str) -> list[str]:
        """Return the payloads currently on offer to ``sender_id``."""
        entry = self._offers.get(sender_id)
        if entry is None or self._expired(entry[0]):
            return []
        return sorted(set(entry[1].values()))

    def take_answer(self, sender_id: str, answer: str) -> str | None:
        """Return the payload ``answer`` picks, forgetting the sender's options.

        An answer picks an option by its number, its title (any case) or its
        exact payload. Returns ``None`` (and still forgets the options) when
        the answer is free text rather than one of the offered options.
        """
        entry = self._offers.pop(sender_id, None)
        if entry is None or self._expired(entry[0]):
            return None
        lookup = entry[1]
        if answer in lookup.values():
            return answer
        return lookup.get(_normalise(answer))

    def _expired(self, offered_at: float) -> bool:
        return time.monotonic() - offered_at > self.ttl_seconds


def neutralise_commands(text: str) -> str:
    """Stop typed text from being read as a Rasa intent command.

    Rasa treats a message starting with ``/`` as ``/intent{"entities"}`` and
    skips NLU, which would let anyone set slots (red flags included) by typing.
    Only payloads of buttons this bot offered may do that; typed text loses
    its leading slashes and goes through NLU like any other message.
    """
    return text.lstrip().lstrip("/").strip()
