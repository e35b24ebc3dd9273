"""spaCy component that finds the contract's red flags in a person's own words.

The wordings live in ``red_flag_patterns.yml`` (readable by a clinician, compiled by
:mod:`nlp.wordings`); the scope of each mention, negation, doubt, questions, other
people and the past, is decided by :mod:`nlp.scope` and :mod:`nlp.reports`. This
component only matches the wordings, resolves overlapping mentions, asks the scope
for each one's status, and sets ``doc._.red_flags``: one dict per flag mentioned,
with keys ``flag``, ``status`` (``present``/``absent``/``unsure``), ``start``, ``end``
(character offsets), ``text``, ``doubted`` (unsure because the person voices doubt)
and ``topic`` (doubted only as a topic named beside doubt about something, below). If
a flag is mentioned several times, present beats unsure beats absent.

Readings that span several mentions also live here: the patterns file's combinations
(swelling with warmth, redness or throbbing in the same message is a possible clot,
``warm_red_swollen_leg``), and a flag whose topic is named in a message that voices
doubt ("not sure if my pee is brown") is unsure.
"""

import itertools
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path

from nlp.flag_matchers import OTHER_SENSE, FlagMatchers
from nlp.mentions import (
    ABSENT,
    PRESENT,
    STATUS_RANK,
    UNSURE,
    Combination,
    GenericCue,
    Mention,
    own_cues,
)
from nlp.reports import Reports
from nlp.scope import Scope
from nlp.wordings import WordingCompiler, load_patterns

logger = logging.getLogger(__name__)

FACTORY_NAME = "hamstring_red_flags"
DEFAULT_PATTERNS_PATH = Path(__file__).with_name("red_flag_patterns.yml")
PATTERNS_FILE_NAME = "red_flag_patterns.json"

__all__ = [
    "ABSENT",
    "DEFAULT_PATTERNS_PATH",
    "FACTORY_NAME",
    "PRESENT",
    "UNSURE",
    "RedFlagDetector",
    "load_patterns",
    "red_flags_of",
]

if not Doc.has_extension("red_flags"):
    Doc.set_extension("red_flags", default=None)
# Flags the rules decided about in a doc: those they report (present, absent, unsure)
# and those a reported flag claims ("black and blue" is bruising, so not a cold pale
# leg). The classifier (nlp/flag_classifier.py) never overrides these decisions.
if not Doc.has_extension("red_flags_seen"):
    Doc.set_extension("red_flags_seen", default=None)


def in_other_sense(mention: Mention, other_senses: list[Mention]) -> bool:
    """Whether words of ``mention`` were read in another sense of its own flag."""
    return any(
        o.flag == mention.flag and o.start < mention.end and mention.start < o.end
        for o in other_senses
    )


class RedFlagDetector:
    """Find red-flag mentions and their status (present, absent, unsure) in a Doc."""

    def __init__(
        self,
        nlp: Language,
        name: str = FACTORY_NAME,
        *,
        patterns: dict[str, Any] | None = None,
    ) -> None:
        """Keep the pipeline's vocab and tokenizer; compile the patterns lazily."""
        self.nlp = nlp
        self.name = name
        self.patterns: dict[str, Any] = patterns or load_patterns(DEFAULT_PATTERNS_PATH)
        self._compiled = False

    def _compile(self, *, validate: bool = False) -> None:
        """Build the matchers from ``self.patterns``.

        Schema validation of the generated token patterns is slow (seconds), so it
        runs when the pipeline is built (:meth:`check_patterns`), not on loading.
        """
        flags = self.patterns["flags"]
        compiler = WordingCompiler(
            self.nlp,
            concepts=self.patterns.get("concepts") or {},
            linking_words=self.patterns["scope"]["linking_words"],
            spellings=self.patterns.get("spellings"),
        )
        self._flags = FlagMatchers.build(self.nlp, flags, compiler, validate=validate)
        self._scope = Scope(self.nlp, self.patterns["scope"])
        self._reports_of = Reports(
            self.nlp, self.patterns["scope"], compiler, self._scope, validate=validate
        )
        concepts = self.patterns.get("concepts") or {}
        self._combinations = [
            Combination.from_entry(entry, concepts, flags)
            for entry in self.patterns.get("combinations") or []
        ]
        self._suppresses = {
            flag: set(lists.get("suppresses") or []) for flag, lists in flags.items()
        }
        self._compiled = True
        logger.debug("compiled %d red-flag pattern keys", len(self._flags.mention_keys))

    def check_patterns(self) -> None:
        """Compile the patterns with spaCy's schema validation (raises on errors)."""
        self._compile(validate=True)

    def _matching_doc(self, doc: Doc) -> Doc:
        """A lower-cased copy of ``doc`` when needed (lookup lemmas are case-sensitive)."""
        text = doc.text
        lowered = text.lower()
        if lowered == text or len(lowered) != len(text):
            return doc
        copy = self.nlp.make_doc(lowered)
        if "lemmatizer" in self.nlp.pipe_names:
            copy = self.nlp.get_pipe("lemmatizer")(copy)
        return copy

    def _mentions(
        self, doc: Doc
    ) -> tuple[list[Mention], list[tuple[Mention, Mention]], list[Mention]]:
        """All flag mentions, other senses removed and overlaps resolved.

        Also returns the mentions another flag claimed, each with its claimer (a
        claim holds only while the claimer is not denied: "swollen, not hot" is
        swelling without heat, not a denied clot), and the words read in another
        sense ("up three times a night to pee").
        """
        found: list[Mention] = []
        for match_id, start, end in itertools.chain(
            self._flags.matcher(doc), self._flags.phrase_matcher(doc)
        ):
            flag, kind, literal = self._flags.mention_keys[match_id]
            found.append(Mention(flag, kind, start, end, literal))
        # One order whatever order the matchers found them in: the choices below keep
        # the first of equals.
        found.sort(key=lambda m: (m.start, m.end, m.flag, m.kind, m.literal_negation))
        other = [m for m in found if m.kind == OTHER_SENSE]
        found = [
            m for m in found if m.kind != OTHER_SENSE and not in_other_sense(m, other)
        ]
        # Same flag overlapping: the longest wording wins ("my thyroid's normal" over
        # "thyroid"), then present beats unsure beats absent.
        found.sort(key=lambda m: (-(m.end - m.start), -STATUS_RANK[m.kind], m.start))
        kept: list[Mention] = []
        for mention in found:
            if not any(
                k.flag == mention.flag
                and k.start < mention.end
                and mention.start < k.end
                for k in kept
            ):
                kept.append(mention)
        # A flag that suppresses another claims the same words ("hot, swollen calf").
        claimers = [m for m in kept if self._suppresses.get(m.flag)]
        claims = [
            (m, c)
            for m in kept
            for c in claimers
            if m.flag in self._suppresses[c.flag]
            and c.start < m.end
            and m.start < c.end
        ]
        claimed = {id(m) for m, _ in claims}
        kept = [m for m in kept if id(m) not in claimed]
        return sorted(kept, key=lambda m: (m.start, m.end)), claims, other

    def _reports(
        self, doc: Doc, mentions: list[Mention], generic: list[GenericCue]
    ) -> tuple[list[Mention], set[str], set[Mention]]:
        """The writer's reports (:mod:`nlp.reports`), without the flags vetoed.

        Also returns the flags set aside: someone else's ("my dad takes water tablets,
        I'm not on any"), those taken back and those whose words were explained away;
        and the mentions reported only as unsure (a question points at them, "is this
        swelling?", or the writer fears they may come).
        """
        mentions, others, only_unsure = self._reports_of.reports(doc, mentions, generic)
        vetoed = set()
        vetoes = self._flags.veto_matcher(doc)
        cues = self._reports_of.withdrawal_cues(doc) if vetoes else ([], [])
        # A cause in several veto words ("deep heat cream") is denied from its first.
        flag_of = self._flags.section_flags
        first_of = {(flag_of[key], end): start for key, start, end in vetoes}
        for match_id, start, _ in vetoes:
            flag = flag_of[match_id]
            first = start
            while first_of.get((flag, first), first) < first:
                first = first_of[flag, first]
            if self._scope.compares(doc, start) or self._scope.denies_cause(doc, first):
                continue
            if not self._reports_of.cause_withdrawn(doc, flag, start, mentions, cues):
                vetoed.add(flag)
        # Words that explain a flag away keep the second net from adding it back.
        others |= {m.flag for m in mentions if m.flag in vetoed}
        return [m for m in mentions if m.flag not in vetoed], others, only_unsure

    def find(self, doc: Doc) -> list[dict[str, Any]]:
        """The red flags mentioned in ``doc``, one dict per flag (see module docstring)."""
        return self._read(doc)[0]

    def _read(self, doc: Doc) -> tuple[list[dict[str, Any]], set[str]]:
        """The flags in ``doc``, and the flags it speaks to (reported or not).

        Words of a flag that are someone else's ("my dad takes water tablets, I'm not
        on any"), in another sense ("weak for a bacon roll") or taken back ("I thought
        it looked blue, but it was the light") were read and set aside; a denied sign
        of a clot or denied swelling ("not red, hot or swollen") speaks to the clot
        flag. No second net may add these back. (Past episodes and questions may: the
        wordings misjudge "started a statin last month" as past, and the second net
        rescues it.)
        """
        if not self._compiled:
            self._compile()
        if not len(doc):
            return [], set()
        mdoc = self._matching_doc(doc)
        generic = self._reports_of.generic_cues(mdoc)
        found, claims, other_senses = self._mentions(mdoc)
        mentions, others, only_unsure = self._reports(mdoc, found, generic)
        before, after = self._scope.cues(mdoc)
        history = self._reports_of.history(mdoc)
        results: list[tuple[Mention, str, bool]] = []
        for index, mention in enumerate(mentions):
            # Other mentions end a cue's reach, except those over the same words:
            # they are another reading of them ("calf isn't red" and "red").
            occupied = [
                (m.start, m.end)
                for k, m in enumerate(mentions)
                if k != index and not (m.start < mention.end and mention.start < m.end)
            ]
            status, by_cue = self._scope.status(
                mdoc, mention, own_cues(before, mentions, index), after, occupied
            )
            if not by_cue and results:
                status, by_cue = self._scope.inherit(mdoc, mention, results, status)
            if status == PRESENT and (
                self._reports_of.resolved(mdoc, mention, history)
                or self._reports_of.denied_later(mdoc, mention, history)
            ):
                status, by_cue = ABSENT, True  # "on water tablets but I stopped them"
            elif status == PRESENT and mention in only_unsure:
                status, by_cue = UNSURE, True  # "is that a bruise?", "what if ..."
            results.append((mention, status, by_cue))
        denied = {id(m) for m, status, _ in results if status == ABSENT}
        reported = {m.flag for m in mentions}
        for claimed, claimer in claims:
            if id(claimer) in denied and claimed.flag not in reported:
                status, _ = self._scope.status(mdoc, claimed, before, after, [])
                results.append((claimed, status, False))
        best: dict[str, tuple[Mention, str]] = {}
        for mention, status, _ in results:
            current = best.get(mention.flag)
            if current is None or STATUS_RANK[status] > STATUS_RANK[current[1]]:
                best[mention.flag] = (mention, status)
        denied_flags = {m.flag for m, status, _ in results if status == ABSENT}
        spoken_to = {
            f for f in others | {m.flag for m in other_senses} if not f.startswith("_")
        }

        def words_of(mention: Mention) -> set[str]:
            return {t.lower_ for t in mdoc[mention.start : mention.end]}

        for combination in self._combinations:
            answered = combination.spoken_to(denied_flags)
            if answered:
                spoken_to.add(answered)
            combination.apply(best, results, words_of)
        # Unsure because the person doubts it ("tingly I think"), not because the
        # wording itself is uncertain ("my hamstring went").
        doubted = {
            m.flag for m, status, by_cue in results if status == UNSURE and by_cue
        }
        topics: set[str] = set()
        if self._scope.voices_doubt(mdoc, before, after):
            named = set(best)
            self._add_doubted_topics(mdoc, best, generic, other_senses)
            topics = set(best) - named
            doubted |= topics
        flags = []
        for flag, (mention, status) in best.items():
            start = mdoc[mention.start].idx
            end = mdoc[mention.end - 1].idx + len(mdoc[mention.end - 1].text)
            flags.append(
                {
                    "flag": flag,
                    "status": status,
                    "start": start,
                    "end": end,
                    "text": doc.text[start:end],
                    "doubted": status == UNSURE and flag in doubted,
                    "topic": flag in topics,
                }
            )
        return sorted(flags, key=lambda f: (f["start"], f["flag"])), spoken_to

    def _add_doubted_topics(
        self,
        doc: Doc,
        best: dict[str, tuple[Mention, str]],
        generic: list[GenericCue],
        other_senses: list[Mention],
    ) -> None:
        """Flags whose topic is named in a message that voices doubt become unsure.

        A question about the topic ("how can I tell if it's a tear?") is not a report,
        nor are the topic's words read in another sense ("probably just the cold air").
        """
        for match_id, start, end in self._flags.topic_matcher(doc):
            flag = self._flags.section_flags[match_id]
            if flag in best or flag.startswith("_"):
                continue
            mention = Mention(flag, UNSURE, start, end, False)
            if in_other_sense(mention, other_senses):
                continue
            if generic and self._reports_of.is_generic_question(doc, mention, generic):
                continue
            best[flag] = (mention, UNSURE)

    # ------------------------------------------------------------------ spaCy API

    def __call__(self, doc: Doc) -> Doc:
        """Set ``doc._.red_flags`` and ``doc._.red_flags_seen``."""
        if not self._compiled:
            self._compile()
        doc._.red_flags, spoken_to = self._read(doc)
        reported = {f["flag"] for f in doc._.red_flags}
        claimed = {
            other for flag in reported for other in self._suppresses.get(flag, ())
        }
        doc._.red_flags_seen = reported | claimed | spoken_to
        return doc

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        patterns_path: str | None = None,
    ) -> None:
        """Load the patterns (from ``patterns_path`` or the packaged default)."""
        if patterns_path:
            self.patterns = load_patterns(patterns_path)
        self._compiled = False

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the patterns into the pipeline directory."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        srsly.write_json(folder / PATTERNS_FILE_NAME, self.patterns)

    def from_disk(
        self, path: str | Path, *, exclude: Iterable[str] = ()
    ) -> "RedFlagDetector":
        """Load the patterns saved by :meth:`to_disk` and compile them.

        Components load in pipeline order, so the lemmatizer's tables (which the
        compiled patterns use) are already in place; compiling now keeps the cost
        (about a second) out of the first message.
        """
        self.patterns = srsly.read_json(ensure_path(path) / PATTERNS_FILE_NAME)
        self._compile()
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """Serialise the patterns."""
        return srsly.msgpack_dumps({"patterns": self.patterns})

    def from_bytes(
        self, bytes_data: bytes, *, exclude: Iterable[str] = ()
    ) -> "RedFlagDetector":
        """Load patterns serialised by :meth:`to_bytes`."""
        self.patterns = srsly.msgpack_loads(bytes_data)["patterns"]
        self._compiled = False
        return self


@Language.factory(FACTORY_NAME, default_config={"patterns_path": None})
def make_red_flag_detector(
    nlp: Language, name: str, patterns_path: str | None
) -> RedFlagDetector:
    """Create the ``hamstring_red_flags`` component."""
    patterns = load_patterns(patterns_path) if patterns_path else None
    return RedFlagDetector(nlp, name, patterns=patterns)


def red_flags_of(doc: Doc, nlp: Language | None = None) -> list[dict[str, Any]]:
    """The red flags of ``doc``: ``doc._.red_flags`` if set, else detected now."""
    if doc._.red_flags is not None:
        return doc._.red_flags
    if nlp is not None and FACTORY_NAME in nlp.pipe_names:
        detector = nlp.get_pipe(FACTORY_NAME)
        assert isinstance(detector, RedFlagDetector)
        return detector.find(doc)
    return []
