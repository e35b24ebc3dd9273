"""What the detector reads in a message: mentions of flags, cues, and how they combine.

A *mention* is one matched wording of a flag; a *cue* is a word that may decide its
status (negation, hedge, look-alike, degree); a *combination* is a pseudo flag that
changes how another flag in the same message reads. The scope (``nlp/scope.py``)
decides each mention's status; the detector (``nlp/red_flags.py``) keeps one status
per flag.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from nlp.wordings import concept_words

PRESENT = "present"
ABSENT = "absent"
UNSURE = "unsure"
STATUS_RANK: dict[str, int] = {ABSENT: 0, UNSURE: 1, PRESENT: 2}
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


@dataclass(frozen=True)
class Combination:
    """A pseudo flag (``sign``) that changes how ``flag`` reads in the same message.

    The sign is never reported itself. Its ``effect`` is one of:

    - ``becomes``: ``flag``, not denied, is reported as ``into`` instead (swelling with
      warmth, redness or throbbing is a possible clot: contract class 4);
    - ``confirms``: ``flag``, unsure only by its wording, is present (severe pain and a
      sign that it has lasted);
    - ``clears``: ``flag``, present, is absent when no present mention of it names a
      word of ``unless_words`` (a leg that is only cold, of normal colour).
    """

    sign: str
    effect: str
    flag: str
    into: str = ""
    unless_words: frozenset[str] = frozenset()

    EFFECTS = ("becomes", "confirms", "clears")

    @classmethod
    def from_entry(
        cls,
        entry: dict[str, Any],
        concepts: dict[str, list[Any]],
        flags: Collection[str],
    ) -> "Combination":
        """One entry of the patterns file's ``combinations``, checked.

        Its flags must be among ``flags`` and its concepts among ``concepts``.
        """
        sign, effect = entry["sign"], entry["effect"]
        if effect not in cls.EFFECTS:
            raise ValueError(f"combination {sign}: unknown effect {effect!r}")
        if (effect == "becomes") != bool(entry.get("into")):
            raise ValueError(f"combination {sign}: 'into' goes with 'becomes'")
        named = {sign, entry["flag"], entry.get("into") or ""} - {""}
        if named - set(flags):
            raise ValueError(f"combination {sign}: unknown flags {named - set(flags)}")
        unknown = set(entry.get("unless_words_of") or []) - set(concepts)
        if unknown:
            raise ValueError(f"combination {sign}: unknown concepts {unknown}")
        return cls(
            sign=sign,
            effect=effect,
            flag=entry["flag"],
            into=entry.get("into") or "",
            unless_words=frozenset(
                word.lower()
                for name in entry.get("unless_words_of") or []
                for word in concept_words(concepts, name)
                if " " not in word
            ),
        )

    def spoken_to(self, denied: set[str]) -> str | None:
        """The flag a denied sign or flag answers ("not swollen or hot": no clot)."""
        if self.effect == "becomes" and denied & {self.sign, self.flag}:
            return self.into
        return None

    def apply(
        self,
        best: dict[str, tuple[Mention, str]],
        results: list[tuple[Mention, str, bool]],
        words_of: Callable[[Mention], set[str]],
    ) -> None:
        """Change ``best`` (flag -> its best mention and status) by this combination."""
        sign = best.pop(self.sign, None)
        current = best.get(self.flag)
        if not sign or sign[1] != PRESENT or current is None:
            return
        if self.effect == "becomes":
            self._become(best, current)
        elif self.effect == "confirms":
            self._confirm(best, results, current)
        else:
            self._clear(best, results, current, words_of)

    def _become(
        self, best: dict[str, tuple[Mention, str]], current: tuple[Mention, str]
    ) -> None:
        mention, status = current
        if status == ABSENT:
            return
        del best[self.flag]
        into = best.get(self.into)
        if into is None or STATUS_RANK[status] > STATUS_RANK[into[1]]:
            best[self.into] = (
                Mention(self.into, status, mention.start, mention.end, False),
                status,
            )

    def _confirm(
        self,
        best: dict[str, tuple[Mention, str]],
        results: list[tuple[Mention, str, bool]],
        current: tuple[Mention, str],
    ) -> None:
        # Not where the person doubts the flag or says it went ("it eased").
        if current[1] != UNSURE or any(
            m.flag == self.flag and (status == ABSENT or by_cue)
            for m, status, by_cue in results
        ):
            return
        best[self.flag] = (current[0], PRESENT)

    def _clear(
        self,
        best: dict[str, tuple[Mention, str]],
        results: list[tuple[Mention, str, bool]],
        current: tuple[Mention, str],
        words_of: Callable[[Mention], set[str]],
    ) -> None:
        # A mention naming a colour stands, and so does a colour the person doubts.
        if current[1] != PRESENT:
            return
        if all(
            not words_of(m) & self.unless_words
            for m, status, _ in results
            if m.flag == self.flag and status == PRESENT
        ):
            best[self.flag] = (current[0], ABSENT)
