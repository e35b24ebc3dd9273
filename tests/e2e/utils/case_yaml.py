"""Case files for the runner's tests: the steps of one case, in the file around them.

The tests write a case file to their temporary folder and load it the way ``e2e run``
does (``load_suite``), so file and line numbers in errors are real.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from e2e.case_files import load_suite
from e2e.cases import Suite, TestCase


def one_case(
    steps: str, *, fixtures: Mapping[str, Mapping[str, Any]] | None = None
) -> str:
    """A case file of one test case, ``case``, whose ``steps:`` list holds ``steps``.

    ``steps`` is the YAML of the list's items, indented as written (it is dedented).
    The file starts with a blank line, so without fixtures the first step is on
    line 5. ``fixtures`` are written in Rasa Pro's form (``- name:`` then
    ``- slot: value`` items) and the case uses every one of them.
    """
    head = case_keys = ""
    if fixtures:
        head = "fixtures:\n" + "".join(
            f"  - {name}:\n"
            + "".join(f"      - {slot}: {json.dumps(v)}\n" for slot, v in slots.items())
            for name, slots in fixtures.items()
        )
        case_keys = f"    fixtures: [{', '.join(fixtures)}]\n"
    items = textwrap.indent(textwrap.dedent(steps).strip("\n"), " " * 6)
    return f"\n{head}test_cases:\n  - test_case: case\n{case_keys}    steps:\n{items}\n"


def write_cases(directory: Path, body: str, name: str = "cases.yml") -> Path:
    """``body``, dedented, written to the case file ``name`` in ``directory``."""
    path = directory / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def load_cases(directory: Path, body: str, name: str = "cases.yml") -> Suite:
    """The suite of the case file ``body`` (:func:`write_cases`), loaded as ``e2e run`` does."""
    return load_suite([write_cases(directory, body, name)])


def load_one_case(
    directory: Path,
    steps: str,
    *,
    fixtures: Mapping[str, Mapping[str, Any]] | None = None,
) -> TestCase:
    """The case of a file with one case (:func:`one_case`) and these ``steps``."""
    (case,) = load_cases(directory, one_case(steps, fixtures=fixtures)).cases
    return case
