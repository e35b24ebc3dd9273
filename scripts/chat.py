#!/usr/bin/env python3
"""Send messages to the running assistant over the REST channel and print the replies.

Usage: python scripts/chat.py [--url URL] [--sender ID] "message" ["message" ...]
A development aid for trying a conversation from the command line (`make shell` is
the interactive equivalent). The REST channel files the messages under the
conversation ``rest:<sender>``, printed at the end: the id the safety console shows and
``e2e record`` takes.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from channels.conversation_id import conversation_id


def send(url: str, sender: str, text: str) -> list[dict]:
    """Post one message to the REST webhook and return the bot's messages."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def main(argv: list[str]) -> int:
    """Send each message in turn and print the conversation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://localhost:5005")
    parser.add_argument("--sender", default=f"cli-{uuid.uuid4().hex[:8]}")
    parser.add_argument("messages", nargs="+")
    args = parser.parse_args(argv)
    for text in args.messages:
        sys.stdout.write(f"> {text}\n")
        for message in send(args.url, args.sender, text):
            line = message.get("text", "")
            buttons = " | ".join(b["title"] for b in message.get("buttons", []))
            sys.stdout.write(f"< {line}" + (f"  [{buttons}]" if buttons else "") + "\n")
    sys.stdout.write(f"(conversation {conversation_id('rest', args.sender)})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
