"""Where the runner's tests find the project, and the ports they use.

The ports come from the variables ``make test-e2e`` sets (``E2E_*``), so parallel runs
can move them; the defaults are the Makefile's.
"""

from __future__ import annotations

import os

from tests.helpers.paths import REPO_ROOT

CASES = REPO_ROOT / "tests" / "e2e"
DOMAIN = REPO_ROOT / "domain"

# The runner's stub server, which answers stubbed custom actions.
STUB_PORT = int(os.environ.get("E2E_STUB_PORT", "5256"))
# The scripted fake Rasa server and its fake action server (utils/fake_rasa.py).
FAKE_RASA_PORT = int(os.environ.get("E2E_FAKE_RASA_PORT", "5218"))
FAKE_ACTIONS_PORT = int(os.environ.get("E2E_FAKE_ACTIONS_PORT", "5219"))
# The real assistant the slow tests start: (Rasa, action server).
ASSISTANT_PORTS = (
    int(os.environ.get("E2E_BROKEN_RASA_PORT", "5206")),
    int(os.environ.get("E2E_BROKEN_ACTIONS_PORT", "5207")),
)
