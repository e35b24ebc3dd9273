"""Fixtures for the safety tests: the project's spaCy pipeline, built once."""

from pathlib import Path

import pytest
import spacy
from spacy.language import Language

import nlp.red_flags  # noqa: F401  (registers the hamstring_red_flags factory)
from nlp.build import build


@pytest.fixture(scope="session")
def red_flag_nlp(tmp_path_factory: pytest.TempPathFactory) -> Language:
    """The built pipeline, loaded with plain ``spacy.load``."""
    path: Path = build(tmp_path_factory.mktemp("spacy") / "en_hamstring")
    return spacy.load(path)
