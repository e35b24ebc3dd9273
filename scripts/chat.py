#!/usr/bin/env python3
"""Send messages to the running assistant over the REST channel and print the replies.

Usage: python scripts/chat.py [--url URL] [--sender ID] "message" ["message" ...]
A development aid for trying a conversation from the command line (`make shell` is
the interactive equivalent).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid


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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
