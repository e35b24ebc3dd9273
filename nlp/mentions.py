"""What the detector reads in a message: mentions of flags, cues, and how they combine.

A *mention* is one matched wording of a flag; a *cue* is a word that may decide its
status (negation, hedge, look-alike, degree). The scope (``nlp/scope.py``) decides each
mention's status; the detector (``nlp/red_flags.py``) keeps one status per flag.
"""

from collections.abc import Callable
from dataclasses import dataclass

PRESENT = "present"
ABSENT = "absent"
UNSURE = "unsure"
STATUS_RANK: dict[str, int] = {ABSENT: 0, UNSURE: 1, PRESENT: 2}
# Signs that turn swelling into a possible clot when they are in the same message
# ("puffy and warm", "swollen, red and throbbing"): contract class 4.
CLOT_SIGN = "_clot_sign"
CLOT_FLAG = "warm_red_swollen_leg"
# Signs that pain has lasted ("still going strong", "for twenty minutes", "since
# teatime"): with severe pain anywhere in the same message, the pain flag is present.
LASTING_SIGN = "_lasting"
PAIN_FLAG = "severe_persistent_pain"
# Says the leg's colour is normal ("colour's fine", "a normal colour"): with it, a leg
# that is only cold is not the cold pale leg.
NORMAL_COLOUR = "_normal_colour"
COLD_FLAG = "cold_pale_leg"
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
    current = best.get(CLOT_FLAG)
    if current is None or STATUS_RANK[status] > STATUS_RANK[current[1]]:
        best[CLOT_FLAG] = (
            Mention(CLOT_FLAG, status, mention.start, mention.end, False),
            status,
        )


def combine_severity_and_time(
    best: dict[str, tuple[Mention, str]], results: list[tuple[Mention, str, bool]]
) -> None:
    """Severe pain and a sign that it has lasted, in one message, is the pain flag.

    Pain that is only severe, or only long, is ``unsure`` by its wording; "worst pain
    of my life and it's still going strong after 20 minutes" says both, however far
    apart. Not where the person doubts the pain or says it eased.
    """
    sign = best.pop(LASTING_SIGN, None)
    pain = best.get(PAIN_FLAG)
    if not sign or sign[1] != PRESENT or pain is None or pain[1] != UNSURE:
        return
    for mention, status, by_cue in results:
        if mention.flag == PAIN_FLAG and (status == ABSENT or by_cue):
            return
    best[PAIN_FLAG] = (pain[0], PRESENT)


def clear_cold_by_colour(
    best: dict[str, tuple[Mention, str]],
    results: list[tuple[Mention, str, bool]],
    colourless: Callable[[Mention], bool],
) -> None:
    """A leg that is only cold, in a message saying its colour is normal, is no flag.

    The cold pale leg is cold *and* pale, grey or blue (triage-contract.md): "my foot
    was cold from standing on the lino, but the colour's normal" says the one and
    denies the other. Only where every present mention of the flag names no colour
    (``colourless``); a pale, white or blue mention stands, and so does a colour the
    person doubts ("colour looks okay I think").
    """
    sign = best.pop(NORMAL_COLOUR, None)
    leg = best.get(COLD_FLAG)
    if not sign or sign[1] != PRESENT or leg is None or leg[1] != PRESENT:
        return
    present = [
        m for m, status, _ in results if m.flag == COLD_FLAG and status == PRESENT
    ]
    if all(colourless(m) for m in present):
        best[COLD_FLAG] = (leg[0], ABSENT)
