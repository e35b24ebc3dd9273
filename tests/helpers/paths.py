"""Where the project is, for the tests that read its files or run its commands there."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The project's top folder (``domain/``, ``models/``, ``scripts/`` ... are in it)."""
