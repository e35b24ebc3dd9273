"""Fixtures of the runner's tests (helpers they share are in ``tests/e2e/utils/``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.cases import TestCase
from tests.e2e.utils.case_yaml import load_one_case
from tests.e2e.utils.sample_cases import BRUISED_CRAMP_STEPS


@pytest.fixture
def bruising_case(tmp_path: Path) -> TestCase:
    """The volunteered-bruise case (``BRUISED_CRAMP_STEPS``), loaded from its file."""
    return load_one_case(tmp_path, BRUISED_CRAMP_STEPS)
