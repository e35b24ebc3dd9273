"""Checking a register's evidence against the repository, without running anything.

A test file must exist under ``tests/``, ``widget/tests/``, ``console/tests/`` (the
safety console's, run in its own environment by ``make test-console``) or ``e2e/``; a
pytest node id (``file.py::test_x``, ``file.py::TestY::test_z``, a ``[param]`` suffix
allowed) must name a test function found by parsing the file; ``file.yml::name`` must name an
e2e test case, story or rule of that file; a make target must be a rule of the
Makefile or ``mk/*.mk``; a figure must be one the report knows how to read.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from safety.register import Register

TEST_ROOTS: tuple[str, ...] = ("tests/", "widget/tests/", "console/tests/", "e2e/")
# The frozen held-out phrasings are never opened, so they cannot be evidence.
FORBIDDEN_ROOT = "tests/safety/phrasings/heldout/"
# A rule line: targets, then ':' or '::' that is not an assignment (':=', '::=').
MAKE_RULE = re.compile(r"^([^\s#:=][^#:=]*?)\s*(?:::(?!=)|:(?![:=]))")


def make_targets(repo_root: Path) -> set[str]:
    """Names of the rules in ``Makefile`` and ``mk/*.mk`` (variables and patterns left out)."""
    targets: set[str] = set()
    for path in [repo_root / "Makefile", *sorted((repo_root / "mk").glob("*.mk"))]:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            match = MAKE_RULE.match(line)
            if match:
                targets.update(
                    name
                    for name in match.group(1).split()
                    if "$" not in name and "%" not in name and not name.startswith(".")
                )
    return targets


def python_test_names(path: Path) -> set[str]:
    """Test node names a pytest file defines: ``test_x`` and ``TestY::test_z``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, functions) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, functions) and item.name.startswith("test")
            )
    return names


def yaml_case_names(path: Path) -> set[str]:
    """Names of the e2e test cases, stories and rules in a YAML test file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names: set[str] = set()
    for section, key in (
        ("test_cases", "test_case"),
        ("stories", "story"),
        ("rules", "rule"),
    ):
        for item in data.get(section) or []:
            if isinstance(item, Mapping) and isinstance(item.get(key), str):
                names.add(item[key])
    return names


def _test_problem(ref: str, repo_root: Path) -> str | None:
    """Why a ``test:`` reference does not resolve, or ``None`` when it does."""
    file_part, _, node = ref.partition("::")
    if Path(file_part).is_absolute() or ".." in Path(file_part).parts:
        return f"test {ref}: the path must be relative to the repository"
    if not file_part.startswith(TEST_ROOTS):
        return f"test {ref}: not under {', '.join(TEST_ROOTS)}"
    if file_part.startswith(FORBIDDEN_ROOT):
        return f"test {ref}: the frozen held-out phrasings are never opened"
    path = repo_root / file_part
    if not path.exists():
        return f"test {ref}: {file_part} does not exist"
    if not node:
        return None
    name = re.sub(r"\[.*\]$", "", node)
    if path.suffix == ".py":
        if name not in python_test_names(path):
            return f"test {ref}: no test function '{name}' in {file_part}"
    elif path.suffix in (".yml", ".yaml"):
        if name not in yaml_case_names(path):
            return f"test {ref}: no test case, story or rule '{name}' in {file_part}"
    else:
        return f"test {ref}: only .py and .yml files can name a test after '::'"
    return None


def check_evidence(
    register: Register, *, repo_root: Path, known_figures: Iterable[str]
) -> list[str]:
    """Problems with the evidence references of ``register``, one per bad reference."""
    targets = make_targets(repo_root)
    figures = set(known_figures)
    problems: list[str] = []
    for hazard in register.hazards:
        for number, control in enumerate(hazard.controls, 1):
            where = f"{hazard.id}, control {number}"
            for item in control.verified_by:
                problem = None
                if item.kind == "test":
                    problem = _test_problem(item.ref, repo_root)
                elif item.kind == "make" and item.ref not in targets:
                    problem = (
                        f"make target '{item.ref}' is not in the Makefile or mk/*.mk"
                    )
                elif item.kind == "figure" and item.ref not in figures:
                    problem = f"figure '{item.ref}' is not one the report can read"
                if problem:
                    problems.append(f"{where}: {problem}")
    return problems
