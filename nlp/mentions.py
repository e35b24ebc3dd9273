"""What the detector reads in a message: mentions of flags, cues, and how they combine.

A *mention* is one matched wording of a flag; a *cue* is a word that may decide its
status (negation, hedge, look-alike, degree). The scope (``nlp/scope.py``) decides each
mention's status; the detector (``nlp/red_flags.py``) keeps one status per flag.
"""

from dataclasses import dataclass

PRESENT = "present"
ABSENT = "absent"
UNSURE = "unsure"
STATUS_RANK: dict[str, int] = {ABSENT: 0, UNSURE: 1, PRESENT: 2}
# Signs that turn swelling into a possible clot when they are in the same message
# ("puffy and warm", "swollen, red and throbbing"): contract class 4.
CLOT_SIGN = "_clot_sign"
GenericCue = tuple[str, int, int]


@dataclass(frozen=True)
class Mention:
    """One matched wording of a flag, before and after the scope decision."""

    flag: str
    kind: str  # the pattern list it came from: present, unsure or absent
    start: int  # token offsets
    end: int
    literal_negation: bool


@dataclass
class Cue:
    """A negation, hedge, look-alike or degree cue found in the doc."""

    kind: str  # "negation", "hedge", "pseudo" or "degree"
    start: int
    end: int


def own_cues(cues: list[Cue], mentions: list[Mention], index: int) -> list[Cue]:
    """The cues that may decide ``mentions[index]``.

    A negation inside another mention that reports a flag with it ("can't feel the
    foot", "can't take a deep breath") is that mention's own words, not a denial of
    what follows ("can't feel the foot, and it's freezing and grey").
    """
    owners = [
        (m.start, m.end)
        for k, m in enumerate(mentions)
        if k != index and m.literal_negation and m.kind == PRESENT
    ]
    return [c for c in cues if not any(s <= c.start and c.end <= e for s, e in owners)]


def combine_clot_signs(best: dict[str, tuple[Mention, str]]) -> None:
    """Swelling with warmth, redness or throbbing is a possible clot (class 4).

    The clot sign itself is never a flag; it only upgrades swelling reported in
    the same message to ``warm_red_swollen_leg``.
    """
    sign = best.pop(CLOT_SIGN, None)
    swelling = best.get("swelling")
    if not sign or not swelling or sign[1] != PRESENT or swelling[1] == ABSENT:
        return
    mention, status = best.pop("swelling")
    current = best.get("warm_red_swollen_leg")
    if current is None or STATUS_RANK[status] > STATUS_RANK[current[1]]:
        best["warm_red_swollen_leg"] = (
            Mention("warm_red_swollen_leg", status, mention.start, mention.end, False),
            status,
        )
