"""Where a case file's YAML nodes are (for file:line errors) and their plain values."""

from __future__ import annotations

from typing import Any


def shorten(text: str, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def line_of(node: Any, fallback: int = 0) -> int:
    """1-based line of a ruamel node, or ``fallback`` when it carries none."""
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return fallback
    return int(lc.line) + 1


def item_line(seq: Any, index: int, fallback: int) -> int:
    """1-based line of item ``index`` of a ruamel sequence, or ``fallback``."""
    lc = getattr(seq, "lc", None)
    try:
        return int(lc.item(index)[0]) + 1 if lc is not None else fallback
    except (KeyError, IndexError, TypeError, AttributeError):
        return fallback


def plain(value: Any) -> Any:
    """Convert ruamel containers and scalars into plain Python values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value
