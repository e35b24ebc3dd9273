"""Settings for every pytest run of the project: third-party warnings to a file.

Rasa 3.6 and its dependencies raise dozens of deprecation warnings; pytest's warnings
summary would bury the result under them. They are written to ``logs/warnings.log``
instead (nothing is lost), and the summary line still counts them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

WARNINGS_LOG = Path(__file__).resolve().parent / "logs" / "warnings.log"


def pytest_configure(config: pytest.Config) -> None:
    """Leave the warnings summary out of the terminal report."""
    config.option.disable_warnings = True


def pytest_warning_recorded(
    warning_message: warnings.WarningMessage, when: str, nodeid: str, location: object
) -> None:
    """Append each recorded warning to ``logs/warnings.log``."""
    WARNINGS_LOG.parent.mkdir(parents=True, exist_ok=True)
    with WARNINGS_LOG.open("a", encoding="utf-8") as log:
        log.write(f"[pytest {nodeid or when}] ")
        log.write(
            warnings.formatwarning(
                str(warning_message.message),
                warning_message.category,
                warning_message.filename,
                warning_message.lineno,
                warning_message.line,
            )
        )
