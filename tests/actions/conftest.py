"""In-memory fixtures for the action tests: dispatcher, tracker and domain.

`Conversation` replays what Rasa does around the custom actions (slot events from the
NLU and the form, the form's validation, the actions the rules call) so the tests can
drive whole screenings through the real action code without a server.
"""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.actions.helpers import DOMAIN_PATH, Conversation, make_tracker


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The real domain, as the action server receives it."""
    return Domain.load(str(DOMAIN_PATH)).as_dict()


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    """A dispatcher that collects the responses an action says."""
    return CollectingDispatcher()


@pytest.fixture
def tracker() -> Tracker:
    """An empty tracker at the start of a conversation."""
    return make_tracker()


@pytest.fixture
def conversation(domain: dict[str, Any]) -> Conversation:
    """A fresh conversation driven through the real actions."""
    return Conversation(domain)
