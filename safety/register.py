"""The hazard register: loading, validation and DCB0129's risk matrix.

A register is a YAML file with ``system``, ``standard``, ``approval`` and a list of
``hazards``. Each hazard names its cause and effect, its severity and likelihood
before its controls (``initial``) and after them (``residual``), its controls, each
with the evidence that verifies it, a ``status`` and, while it is open, ``notes``.
Risk ratings are never typed: :func:`risk_rating` computes them from the matrix.

The evidence each control cites is checked against the repository by
:mod:`safety.evidence`, without running anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from safety.evidence import check_evidence

SEVERITIES: tuple[str, ...] = (
    "minor",
    "significant",
    "considerable",
    "major",
    "catastrophic",
)
LIKELIHOODS: tuple[str, ...] = ("very low", "low", "medium", "high", "very high")

# DCB0129's clinical risk matrix: likelihood -> rating per severity, in SEVERITIES order.
RISK_MATRIX: dict[str, tuple[int, ...]] = {
    "very high": (3, 4, 4, 5, 5),
    "high": (2, 3, 3, 4, 5),
    "medium": (2, 2, 3, 3, 4),
    "low": (1, 2, 2, 3, 4),
    "very low": (1, 1, 2, 2, 3),
}
RISK_MEANINGS: dict[int, str] = {
    5: "unacceptable",
    4: "mandatory elimination or control to an acceptable level",
    3: "undesirable: acceptable only when further risk reduction is impractical",
    2: "acceptable where the cost of further reduction outweighs the benefit",
    1: "acceptable, no further action required",
}

STATUSES: tuple[str, ...] = ("open", "closed")
EVIDENCE_KINDS: tuple[str, ...] = ("test", "make", "figure")

REGISTER_KEYS = ("system", "standard", "approval", "hazards")
HAZARD_KEYS = ("id", "title", "cause", "effect", "initial", "residual", "controls")
HAZARD_KEYS_ALL = (*HAZARD_KEYS, "status", "notes")
ASSESSMENT_KEYS = ("severity", "likelihood")
CONTROL_KEYS = ("description", "verified_by")
HAZARD_ID = re.compile(r"HAZ-\d{2,}")


def risk_rating(severity: str, likelihood: str) -> int:
    """The DCB0129 risk rating (1-5) of a severity and a likelihood."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    if likelihood not in LIKELIHOODS:
        raise ValueError(f"unknown likelihood {likelihood!r}")
    return RISK_MATRIX[likelihood][SEVERITIES.index(severity)]


@dataclass(frozen=True)
class Assessment:
    """A severity and a likelihood; the rating follows from the matrix."""

    severity: str
    likelihood: str

    @property
    def rating(self) -> int:
        """The risk rating from :data:`RISK_MATRIX`."""
        return risk_rating(self.severity, self.likelihood)


@dataclass(frozen=True)
class Evidence:
    """One item that verifies a control: ``kind`` is test, make or figure."""

    kind: str
    ref: str


@dataclass(frozen=True)
class Control:
    """A control of a hazard and the evidence that it works."""

    description: str
    verified_by: tuple[Evidence, ...]


@dataclass(frozen=True)
class Hazard:
    """One entry of the hazard register."""

    id: str
    title: str
    cause: str
    effect: str
    initial: Assessment
    residual: Assessment
    controls: tuple[Control, ...]
    status: str
    notes: str | None


@dataclass(frozen=True)
class Register:
    """The whole register."""

    system: str
    standard: str
    approval: str
    hazards: tuple[Hazard, ...]


class RegisterError(Exception):
    """The register is invalid; ``problems`` says where and why, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_register(
    path: Path, *, repo_root: Path, known_figures: Iterable[str]
) -> Register:
    """Load ``path``, check its structure and its evidence; raise :class:`RegisterError`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RegisterError([f"{path}: cannot read the register: {error}"]) from error
    problems: list[str] = []
    register = parse_register(data, problems)
    if register is not None:
        problems += check_evidence(
            register, repo_root=repo_root, known_figures=known_figures
        )
    if problems or register is None:
        raise RegisterError(problems)
    return register


def _text(data: Mapping[str, Any], key: str, where: str, problems: list[str]) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: '{key}' is missing or empty")
        return ""
    return value.strip()


def _unknown_keys(
    data: Mapping[str, Any], allowed: Iterable[str], where: str, problems: list[str]
) -> None:
    for key in sorted(set(data) - set(allowed), key=str):
        hint = " (ratings are computed, not typed)" if key in ("rating", "risk") else ""
        problems.append(f"{where}: unknown field '{key}'{hint}")


def _assessment(data: Any, where: str, problems: list[str]) -> Assessment | None:
    if not isinstance(data, Mapping):
        problems.append(f"{where}: must have 'severity' and 'likelihood'")
        return None
    _unknown_keys(data, ASSESSMENT_KEYS, where, problems)
    severity, likelihood = data.get("severity"), data.get("likelihood")
    valid = True
    if severity not in SEVERITIES:
        problems.append(
            f"{where}: severity {severity!r} is not one of {', '.join(SEVERITIES)}"
        )
        valid = False
    if likelihood not in LIKELIHOODS:
        problems.append(
            f"{where}: likelihood {likelihood!r} is not one of {', '.join(LIKELIHOODS)}"
        )
        valid = False
    return Assessment(str(severity), str(likelihood)) if valid else None


def _evidence(data: Any, where: str, problems: list[str]) -> Evidence | None:
    if not isinstance(data, Mapping) or len(data) != 1:
        problems.append(
            f"{where}: must be one of 'test: ...', 'make: ...', 'figure: ...'"
        )
        return None
    ((kind, ref),) = data.items()
    if kind not in EVIDENCE_KINDS:
        problems.append(f"{where}: unknown evidence kind '{kind}'")
        return None
    if not isinstance(ref, str) or not ref.strip():
        problems.append(f"{where}: '{kind}' names nothing")
        return None
    return Evidence(kind, ref.strip())


def _control(data: Any, where: str, problems: list[str]) -> Control | None:
    if not isinstance(data, Mapping):
        problems.append(f"{where}: must have 'description' and 'verified_by'")
        return None
    _unknown_keys(data, CONTROL_KEYS, where, problems)
    description = _text(data, "description", where, problems)
    items = data.get("verified_by")
    if not isinstance(items, list) or not items:
        problems.append(f"{where}: 'verified_by' is missing or empty")
        return None
    evidence = [
        _evidence(item, f"{where}, evidence {n}", problems)
        for n, item in enumerate(items, 1)
    ]
    if not description or None in evidence:
        return None
    return Control(description, tuple(e for e in evidence if e is not None))


def _hazard(data: Any, index: int, problems: list[str]) -> Hazard | None:
    if not isinstance(data, Mapping):
        problems.append(f"hazard {index}: must be a mapping")
        return None
    hazard_id = data.get("id")
    where = hazard_id if isinstance(hazard_id, str) and hazard_id else f"hazard {index}"
    before = len(problems)
    for key in HAZARD_KEYS_ALL:
        if key not in data and key != "notes":
            problems.append(f"{where}: '{key}' is missing")
    _unknown_keys(data, HAZARD_KEYS_ALL, where, problems)
    if "id" in data and not HAZARD_ID.fullmatch(str(hazard_id)):
        problems.append(f"{where}: id must look like HAZ-01")
    texts = {
        key: _text(data, key, where, problems) for key in ("title", "cause", "effect")
    }
    initial = _assessment(data.get("initial"), f"{where}, initial", problems)
    residual = _assessment(data.get("residual"), f"{where}, residual", problems)
    if initial and residual and residual.rating > initial.rating:
        problems.append(
            f"{where}: residual risk {residual.rating} is above initial risk {initial.rating}"
        )
    controls = data.get("controls")
    if "controls" in data and (not isinstance(controls, list) or not controls):
        problems.append(f"{where}: 'controls' must list at least one control")
        controls = []
    parsed = [
        _control(c, f"{where}, control {n}", problems)
        for n, c in enumerate(controls or [], 1)
    ]
    status = data.get("status")
    if "status" in data and status not in STATUSES:
        problems.append(
            f"{where}: status {status!r} is not one of {', '.join(STATUSES)}"
        )
    notes = data.get("notes")
    if notes is not None and (not isinstance(notes, str) or not notes.strip()):
        problems.append(f"{where}: 'notes' must be text")
    elif status == "open" and notes is None:
        problems.append(f"{where}: an open hazard needs 'notes' saying what is missing")
    if len(problems) > before or initial is None or residual is None:
        return None
    return Hazard(
        id=str(hazard_id),
        title=texts["title"],
        cause=texts["cause"],
        effect=texts["effect"],
        initial=initial,
        residual=residual,
        controls=tuple(c for c in parsed if c is not None),
        status=str(status),
        notes=notes.strip() if notes else None,
    )


def parse_register(data: Any, problems: list[str]) -> Register | None:
    """Check the structure of loaded YAML and append its problems.

    Returns the register of the hazards that are well formed (so their evidence can
    still be checked), or ``None`` when there is no list of hazards at all.
    """
    if not isinstance(data, Mapping):
        problems.append("the register must be a mapping with 'hazards'")
        return None
    _unknown_keys(data, REGISTER_KEYS, "register", problems)
    header = {key: _text(data, key, "register", problems) for key in REGISTER_KEYS[:3]}
    items = data.get("hazards")
    if not isinstance(items, list) or not items:
        problems.append("register: 'hazards' must list at least one hazard")
        return None
    hazards = [_hazard(item, n, problems) for n, item in enumerate(items, 1)]
    seen: set[str] = set()
    for item in items:
        hazard_id = item.get("id") if isinstance(item, Mapping) else None
        if not isinstance(hazard_id, str):
            continue
        if hazard_id in seen:
            problems.append(f"{hazard_id}: id used by more than one hazard")
        seen.add(hazard_id)
    return Register(hazards=tuple(h for h in hazards if h is not None), **header)
