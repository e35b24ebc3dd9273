"""Shared fixture for the red-flag tests: the pipeline built by ``nlp.build``."""

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

import nlp.red_flags  # noqa: F401  (registers the hamstring_red_flags factory)
from nlp.build import build


@pytest.fixture(scope="session")
def pipeline_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's pipeline, built into a temporary directory by ``nlp.build``."""
    return build(tmp_path_factory.mktemp("spacy") / "en_hamstring")


@pytest.fixture(scope="session")
def red_flag_nlp(pipeline_path: Path) -> Language:
    """The built pipeline, loaded with plain ``spacy.load``."""
    return spacy.load(pipeline_path)
