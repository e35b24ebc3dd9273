"""The safety case report (Markdown from ``make safety-case``) as HTML for the console.

Raw HTML in the report is shown as text, never run. Headings get the ids GitHub gives
them (``### HAZ-01`` → ``haz-01``), so the report's own links to its sections work in
the console as they do on GitHub.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token


def slug(text: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, dashes."""
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def _heading_ids(state: Any) -> None:
    """A markdown-it core rule that gives each heading a unique id."""
    tokens: Sequence[Token] = state.tokens
    seen: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = slug(tokens[index + 1].content)
        count = seen.get(base, 0)
        seen[base] = count + 1
        token.attrSet("id", base if count == 0 else f"{base}-{count}")


def render_report(markdown: str) -> str:
    """The report as HTML (CommonMark with tables; raw HTML escaped)."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.core.ruler.push("heading_ids", _heading_ids)
    return parser.render(markdown)
