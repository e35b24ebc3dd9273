"""spaCy component that finds the contract's red flags in a person's own words.

The wordings live in ``red_flag_patterns.yml`` (readable by a clinician); this module
compiles them into a :class:`spacy.matcher.Matcher` (over ``LEMMA`` and ``NORM``, so
"bruise" finds "bruised" and "can't" finds "cant" and "cannot") and a
:class:`spacy.matcher.PhraseMatcher` (over ``LOWER``, for idioms and misspellings), then
decides each mention's status with a NegEx-style scope:

* a negation cue in the same clause ("no swelling", "isn't numb") makes it ``absent``;
* a hedge ("a bit numb", "maybe a pop", "swollen i think") makes it ``unsure``;
* a leading cue covers a list ("no swelling, bruising or numbness");
* a clause boundary ("but", "though", ",", ";", ".", "and my ...") ends the scope;
* a question about the topic rather than the person ("do statins cause cramps?") is
  not a report and is dropped.

The component sets ``doc._.red_flags``: one dict per flag mentioned, with keys
``flag``, ``status`` (``present``/``absent``/``unsure``), ``start``, ``end`` (character
offsets) and ``text``. If a flag is mentioned several times, present beats unsure beats
absent.
"""

import itertools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc
from spacy.util import ensure_path

logger = logging.getLogger(__name__)

FACTORY_NAME = "hamstring_red_flags"
DEFAULT_PATTERNS_PATH = Path(__file__).with_name("red_flag_patterns.yml")
PATTERNS_FILE_NAME = "red_flag_patterns.json"

PRESENT = "present"
ABSENT = "absent"
UNSURE = "unsure"
STATUS_RANK: dict[str, int] = {ABSENT: 0, UNSURE: 1, PRESENT: 2}
KINDS: tuple[str, ...] = (PRESENT, UNSURE, ABSENT)
# Wordings of a flag's words in another sense ("cold feet", "popped to the shops"):
# matched like the flag's own wordings, they remove the mentions they overlap.
OTHER_SENSE = "other_sense"
# Signs that turn swelling into a possible clot when they are in the same message
# ("puffy and warm", "swollen, red and throbbing"): contract class 4.
CLOT_SIGN = "_clot_sign"

# Words matched on NORM rather than LEMMA: the tokenizer splits "can't"/"cant" into
# "ca" + "n't"/"nt" whose norms are "can" + "not".
NORM_WORDS = frozenset(
    {
        "not",
        "can",
        "will",
        "do",
        "does",
        "did",
        "could",
        "would",
        "should",
        "have",
        "has",
    }
)
LINK_GAP = 4
# Hedges too weak to make a named topic unsure on their own.
WEAK_HEDGES = frozenset(
    {"if", "whether", "in case", "what if", "could i", "might i have"}
)
QUESTION_SUBJECTS = frozenset(
    {
        "i",
        "you",
        "we",
        "they",
        "he",
        "she",
        "it",
        "this",
        "that",
        "these",
        "those",
        "my",
        "your",
        "a",
        "an",
        "the",
        "there",
        "statins",
        "cramps",
        "cramp",
        "people",
    }
)
WH_WORDS = frozenset({"what", "whats", "what's", "how", "why", "when"})
CONCEPT_REFERENCE = re.compile(r"\{([a-z_]+)\}")
NEGATION_WORDS = frozenset({"not", "no", "never", "without", "nor", "none"})
SENTENCE_ENDS = frozenset({".", "!", "?", ";"})
NOT_LIST_END = frozenset({"though", "tho", "yes", "yeah", "definitely", "actually"})

if not Doc.has_extension("red_flags"):
    Doc.set_extension("red_flags", default=None)
# Flags the rules decided about in a doc: those they report (present, absent, unsure)
# and those a reported flag claims ("black and blue" is bruising, so not a cold pale
# leg). The classifier (nlp/flag_classifier.py) never overrides these decisions.
if not Doc.has_extension("red_flags_seen"):
    Doc.set_extension("red_flags_seen", default=None)


def load_patterns(path: str | Path = DEFAULT_PATTERNS_PATH) -> dict[str, Any]:
    """Read the red-flag patterns file (YAML or JSON) into a plain dict."""
    path = Path(path)
    if path.suffix == ".json":
        return srsly.read_json(path)
    return srsly.read_yaml(path)


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
    """A negation or hedge cue found in the doc."""

    kind: str  # "negation", "hedge", "pseudo" or "degree"
    start: int
    end: int


def _split_top_level(entry: str) -> list[str]:
    """Split a wording entry on spaces that are not inside parentheses."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in entry:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == " " and depth == 0:
            if current:
                parts.append(current)
            current = ""
        else:
            current += char
    if current:
        parts.append(current)
    return parts


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
        self.patterns: dict[str, Any] = patterns or load_patterns()
        self._compiled = False
        self._mention_keys: dict[int, tuple[str, str, bool]] = {}

    # ------------------------------------------------------------------ compiling

    def _lemma_of(self, word: str) -> str:
        """The lookup lemma of ``word``, or the word itself without a lemmatizer."""
        if "lemmatizer" in self.nlp.pipe_names:
            lookups = self.nlp.get_pipe("lemmatizer").lookups
            if lookups.has_table("lemma_lookup"):
                return lookups.get_table("lemma_lookup").get(word, word)
        return word

    def _token_spec(self, word: str) -> list[dict[str, Any]]:
        """Matcher token specs for one written word (may be several tokens)."""
        if word == "#":
            return [{"LIKE_NUM": True}]
        if word == "%ing":
            # Any -ing form ("can't stand foam rolling", "can't stand waiting").
            return [{"LOWER": {"REGEX": r"^[a-z]+ing$"}}]
        if word.startswith("="):
            # "=numb": this exact word only (the lemma of "number" is "numb").
            return [{"LOWER": {"IN": [t.lower_]}} for t in self.nlp.make_doc(word[1:])]
        specs: list[dict[str, Any]] = []
        for token in self.nlp.make_doc(word):
            if token.norm_ != token.lower_ or token.lower_ in NORM_WORDS:
                specs.append({"NORM": {"IN": [token.norm_]}})
            elif token.is_punct:
                specs.append({"ORTH": {"IN": [token.text]}})
            elif self._lemma_of(token.lower_) == token.lower_:
                # A dictionary form ("bruise") stands for all its inflections.
                specs.append({"LEMMA": {"IN": [token.lower_]}})
            else:
                # An inflected form ("swollen", "gone") stands for itself only.
                specs.append({"LOWER": {"IN": [token.lower_]}})
        return specs

    def _element_options(self, element: str) -> list[list[dict[str, Any]]]:
        """All token-spec sequences one element of a wording can stand for."""
        if element == "*":
            return [[{"IS_PUNCT": False, "OP": "?"}]]
        if element == "~":
            link = sorted({w.lower() for w in self.patterns["scope"]["linking_words"]})
            return [[{"LOWER": {"IN": link}, "OP": "?"} for _ in range(LINK_GAP)]]
        optional = element.endswith("?") and element.startswith("(")
        body = element[:-1] if optional else element
        if body.startswith("(") and body.endswith(")"):
            body = body[1:-1]
        options: list[list[dict[str, Any]]] = []
        merged: dict[str, set[str]] = {}
        for alternative in body.split("|"):
            alternative = alternative.replace("_", " ").strip()
            specs: list[dict[str, Any]] = []
            for word in alternative.split():
                specs.extend(self._token_spec(word))
            mergeable = len(specs) == 1 and len(specs[0]) == 1
            first = next(iter(specs[0].values())) if specs and specs[0] else None
            if mergeable and isinstance(first, dict) and "IN" in first:
                attr, value = next(iter(specs[0].items()))
                merged.setdefault(attr, set()).update(value["IN"])
            else:
                options.append(specs)
        for attr, values in merged.items():
            value: Any = sorted(values)
            # One value is a plain (fast) comparison; several are a set predicate.
            options.append([{attr: value[0] if len(value) == 1 else {"IN": value}}])
        if optional:
            if len(options) == 1 and len(options[0]) == 1:
                return [[{**options[0][0], "OP": "?"}]]
            options.append([])
        return options

    def _expand_concepts(self, entry: str) -> str:
        """Replace each ``{concept}`` of a wording by its words as alternatives."""
        concepts = self.patterns.get("concepts") or {}

        def alternatives(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in concepts:
                raise ValueError(f"unknown concept {{{name}}} in wording {entry!r}")
            words = [str(w).strip().replace(" ", "_") for w in concepts[name]]
            return "(" + "|".join(words) + ")"

        return CONCEPT_REFERENCE.sub(alternatives, entry)

    def _compile_words(self, entry: str) -> list[list[dict[str, Any]]]:
        """Expand one ``words`` entry into Matcher patterns."""
        entry = self._expand_concepts(entry)
        elements = [self._element_options(part) for part in _split_top_level(entry)]
        patterns = []
        for combo in itertools.product(*elements):
            pattern = [spec for seq in combo for spec in seq]
            if any(spec.get("OP") != "?" for spec in pattern):
                patterns.append(pattern)
        return patterns

    def _compile(self, *, validate: bool = False) -> None:
        """Build the matchers from ``self.patterns``.

        Schema validation of the generated token patterns is slow (seconds), so it
        runs when the pipeline is built (:meth:`check_patterns`), not on loading.
        """
        vocab = self.nlp.vocab
        self._matcher = Matcher(vocab, validate=validate)
        self._phrase_matcher = PhraseMatcher(vocab, attr="LOWER")
        self._mention_keys = {}
        for flag, lists in self.patterns["flags"].items():
            for kind in (*KINDS, OTHER_SENSE):
                wordings = lists.get(kind) or {}
                for index, entry in enumerate(wordings.get("words") or []):
                    # A wording that spells a negation itself ("can't walk", "no
                    # strength") is not flipped by it.
                    expanded = self._expand_concepts(entry)
                    words = set(re.split(r"[\s|()_?]+", expanded))
                    literal = bool(NEGATION_WORDS & words) or any(
                        n in expanded for n in ("n't", "cannot", "cant", "wont", "isnt")
                    )
                    key = f"{flag}|{kind}|w{index}"
                    self._matcher.add(key, self._compile_words(entry))
                    self._mention_keys[vocab.strings[key]] = (flag, kind, literal)
                phrases = wordings.get("phrases") or []
                if phrases:
                    key = f"{flag}|{kind}|phrases"
                    docs = [self.nlp.make_doc(phrase.lower()) for phrase in phrases]
                    self._phrase_matcher.add(key, docs)
                    literal = any("n't" in p or "nt " in p for p in phrases)
                    self._mention_keys[vocab.strings[key]] = (flag, kind, literal)
        scope = self.patterns["scope"]
        self._cue_matcher = PhraseMatcher(vocab, attr="NORM")
        for cue_kind, lists in (
            ("negation", ("negation_before",)),
            ("hedge", ("hedge_before",)),
            ("pseudo", ("pseudo",)),
            ("degree", ("degree",)),
        ):
            docs = [
                self.nlp.make_doc(c.lower())
                for name in lists
                for c in scope.get(name) or []
            ]
            self._cue_matcher.add(f"before|{cue_kind}", docs)
        for cue_kind, name in (
            ("negation", "negation_after"),
            ("hedge", "hedge_after"),
            ("degree", "degree"),
        ):
            docs = [self.nlp.make_doc(c.lower()) for c in scope.get(name) or []]
            self._cue_matcher.add(f"after|{cue_kind}", docs)
        self._generic_matcher = PhraseMatcher(vocab, attr="NORM")
        for key in ("generic_question_start", "generic_question", "telling_apart"):
            docs = [self.nlp.make_doc(c.lower()) for c in scope.get(key) or []]
            if docs:
                self._generic_matcher.add(key, docs)
        self._first_person = {w.lower() for w in scope["first_person"]}
        self._other_people = {w.lower() for w in scope.get("other_people") or []}
        self._other_possessives = {
            w.lower() for w in scope.get("other_possessives") or []
        }
        self._other_predicates = {
            w.lower() for w in scope.get("other_predicates") or []
        }
        self._self_report = Matcher(vocab, validate=validate)
        for index, entry in enumerate(scope.get("self_report") or []):
            self._self_report.add(f"self_report|{index}", self._compile_words(entry))
        # A flag's `vetoes`: words anywhere in the message that explain its wording
        # away ("beetroot" for red urine, "ice pack" for a cold leg).
        self._veto_matcher = Matcher(vocab, validate=validate)
        self._veto_flags: dict[int, str] = {}
        for flag, lists in self.patterns["flags"].items():
            for index, entry in enumerate(
                (lists.get("vetoes") or {}).get("words") or []
            ):
                key = f"{flag}|veto|{index}"
                self._veto_matcher.add(key, self._compile_words(entry))
                self._veto_flags[vocab.strings[key]] = flag
        # A flag's `topics`: words that name what the flag is about ("wee", "pee" for
        # dark urine). In a message that voices doubt and names the topic, a flag not
        # otherwise found is unsure ("not sure if it's brown or just dark yellow").
        self._topic_matcher = Matcher(vocab, validate=validate)
        self._topic_flags: dict[int, str] = {}
        for flag, lists in self.patterns["flags"].items():
            for index, entry in enumerate(
                (lists.get("topics") or {}).get("words") or []
            ):
                key = f"{flag}|topic|{index}"
                self._topic_matcher.add(key, self._compile_words(entry))
                self._topic_flags[vocab.strings[key]] = flag
        self._past = Matcher(vocab, validate=validate)
        for index, entry in enumerate(scope.get("past") or []):
            self._past.add(f"past|{index}", self._compile_words(entry))
        self._self_contrast = PhraseMatcher(vocab, attr="NORM")
        self._self_contrast.add(
            "self_contrast",
            [self.nlp.make_doc(c.lower()) for c in scope.get("self_contrast") or []],
        )
        self._boundaries = {b.lower() for b in scope["boundaries"]}
        self._soft = set(scope["soft_punctuation"])
        self._conjunctions = {c.lower() for c in scope["conjunctions"]}
        self._starters = {s.lower() for s in scope["clause_starters"]}
        self._interjections = {s.lower() for s in scope["interjections"]}
        self._glue = {g.lower() for g in scope["list_glue"]}
        self._window_before = int(scope["window_before"])
        self._window_after = int(scope["window_after"])
        self._suppresses = {
            flag: set(lists.get("suppresses") or [])
            for flag, lists in self.patterns["flags"].items()
        }
        self._compiled = True
        logger.debug("compiled %d red-flag pattern keys", len(self._mention_keys))

    # ------------------------------------------------------------------ matching

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

    def _is_boundary(self, doc: Doc, i: int, *, interjections: bool = True) -> bool:
        """Whether token ``i`` ends a negation/hedge scope.

        An interjection ("no, ...", "no my calf ...") is a boundary for cues before a
        mention; for trailing cues ("swelling? no") pass ``interjections=False``.
        """
        token = doc[i]
        lower = token.lower_
        if lower in self._boundaries or (token.is_space and "\n" in token.text):
            return True
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        if (
            lower in self._conjunctions
            and nxt is not None
            and nxt.lower_ in self._starters
        ):
            return True
        if (
            interjections
            and lower in self._interjections
            and (i == 0 or doc[i - 1].is_punct or doc[i - 1].is_sent_start)
        ):
            return nxt is None or nxt.is_punct or nxt.lower_ in self._starters
        return False

    def _mentions(self, doc: Doc) -> list[Mention]:
        """All flag mentions, overlaps of the same flag resolved."""
        found: list[Mention] = []
        for match_id, start, end in itertools.chain(
            self._matcher(doc), self._phrase_matcher(doc)
        ):
            flag, kind, literal = self._mention_keys[match_id]
            found.append(Mention(flag, kind, start, end, literal))
        other = [m for m in found if m.kind == OTHER_SENSE]
        found = [
            m
            for m in found
            if m.kind != OTHER_SENSE
            and not any(
                o.flag == m.flag and o.start < m.end and m.start < o.end for o in other
            )
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
        claimed = [m for m in kept if self._suppresses.get(m.flag)]
        kept = [
            m
            for m in kept
            if not any(
                m.flag in self._suppresses[c.flag]
                and c.start < m.end
                and m.start < c.end
                for c in claimed
            )
        ]
        return sorted(kept, key=lambda m: (m.start, m.end))

    def _cues(self, doc: Doc) -> tuple[list[Cue], list[Cue]]:
        """Cues before and after mentions; the longest cue wins where cues overlap."""
        before: list[Cue] = []
        after: list[Cue] = []
        matches = sorted(self._cue_matcher(doc), key=lambda m: (-(m[2] - m[1]), m[1]))
        for match_id, start, end in matches:
            side, kind = self.nlp.vocab.strings[match_id].split("|")
            interjection = doc[start].lower_ in self._interjections
            if side == "before" and interjection and self._is_boundary(doc, start):
                continue
            target = before if side == "before" else after
            if not any(c.start < end and start < c.end for c in target):
                target.append(Cue(kind, start, end))
        return before, after

    @staticmethod
    def _sentence(doc: Doc, mention: Mention) -> tuple[int, int]:
        """Token bounds of the sentence around a mention."""

        def ends_sentence(token: Any) -> bool:
            return token.text in SENTENCE_ENDS or (
                token.is_space and "\n" in token.text
            )

        left = mention.start
        while left > 0 and not ends_sentence(doc[left - 1]):
            left -= 1
        right = mention.end
        while right < len(doc) and not ends_sentence(doc[right]):
            right += 1
        return left, right

    def _is_generic_question(
        self, doc: Doc, mention: Mention, generic: list[tuple[str, int, int]]
    ) -> bool:
        """A question about the topic, not about the person ("do statins cause cramps").

        The sentence holds a generic-question cue (a leading "do", "can", "is" ... or
        "difference between", "side effect of", "cause" ...) outside the mention, and
        no first-person word. A sentence that asks how to tell conditions apart ("how
        can I tell whether I tore it or it cramped") is a question about the topic even
        in the first person.
        """
        left, right = self._sentence(doc, mention)
        for key, start, end in generic:
            if key == "telling_apart" and start == left and end <= mention.start:
                return True
        if any(t.lower_ in self._first_person for t in doc[left:right]):
            return False
        for key, start, end in generic:
            outside = end <= mention.start or start >= mention.end
            negated = end < len(doc) and doc[end].norm_ == "not"  # "can't", "isn't"
            # "can walk ok but it's tingly" is an answer, not a question: a leading
            # "can"/"is"/"do" asks when a subject follows it ("can statins ...", "is it
            # ...") or the sentence ends with a question mark.
            following = doc[start + 1].lower_ if start + 1 < len(doc) else ""
            asks = (
                doc[start].lower_ in WH_WORDS
                or following in QUESTION_SUBJECTS
                or (right > 0 and doc[right - 1].text == "?")
                or (right < len(doc) and doc[right].text == "?")
            )
            leading = key == "generic_question_start" and start == left and asks
            if leading and outside and not negated:
                return True
            if key == "generic_question" and left <= start and end <= right and outside:
                return True
        return False

    def _status(
        self,
        doc: Doc,
        mention: Mention,
        before: list[Cue],
        after: list[Cue],
        occupied: list[tuple[int, int]],
    ) -> tuple[str, bool]:
        """The status of one mention and whether a cue decided it."""
        # Scope before: back to a boundary, another mention, or the window edge.
        left = mention.start
        while left > 0 and mention.start - left < self._window_before:
            i = left - 1
            if self._is_boundary(doc, i) or any(s <= i < e for s, e in occupied):
                break
            left = i
        kinds = {c.kind for c in before if left < c.end <= mention.start}
        if not mention.literal_negation:
            kinds |= {
                c.kind
                for c in before
                if mention.start <= c.start and c.end <= mention.end
            }
        # Scope after: a trailing cue that closes the clause ("swelling? no").
        j = mention.end
        while j < len(doc) and doc[j].text in self._soft:
            j += 1
        limit = j
        starts = {cue.start: cue.end for cue in after}
        while limit < len(doc) and limit - mention.end < self._window_after:
            if limit in starts and limit > j:
                # A trailing cue may open with a boundary ("weak, but not sure").
                limit = starts[limit]
                break
            boundary = self._is_boundary(doc, limit, interjections=False)
            if boundary and doc[limit].text not in self._soft:
                break
            limit += 1
        for cue in after:
            if mention.end <= cue.start < limit:
                closes = cue.end == len(doc) or doc[cue.end].is_punct
                closes = closes or self._is_boundary(doc, cue.end, interjections=False)
                if closes:
                    kinds.add(cue.kind)
        # Look-alike cues and degree words ("a bit swollen") decide nothing.
        kinds -= {"pseudo", "degree"}
        if "hedge" in kinds:
            return UNSURE, True
        if "negation" in kinds:
            return (UNSURE if mention.kind == ABSENT else ABSENT), True
        return mention.kind, False

    def check_patterns(self) -> None:
        """Compile the patterns with spaCy's schema validation (raises on errors)."""
        self._compile(validate=True)

    def find(self, doc: Doc) -> list[dict[str, Any]]:
        """The red flags mentioned in ``doc``, one dict per flag (see module docstring)."""
        if not self._compiled:
            self._compile()
        if not len(doc):
            return []
        mdoc = self._matching_doc(doc)
        mentions = self._mentions(mdoc)
        generic = [
            (self.nlp.vocab.strings[key], start, end)
            for key, start, end in self._generic_matcher(mdoc)
        ]
        if generic:
            mentions = [
                m for m in mentions if not self._is_generic_question(mdoc, m, generic)
            ]
        contrasted = bool(len(self._self_contrast(mdoc)))
        if contrasted or len(self._self_report(mdoc)):
            mentions = [
                m
                for m in mentions
                if not self._about_someone_else(mdoc, m, contrasted=contrasted)
            ]
        past = [(start, end) for _, start, end in self._past(mdoc)]
        if past:
            mentions = [m for m in mentions if not self._in_past_clause(mdoc, m, past)]
        vetoed = {
            self._veto_flags[match_id] for match_id, _, _ in self._veto_matcher(mdoc)
        }
        mentions = [m for m in mentions if m.flag not in vetoed]
        before, after = self._cues(mdoc)
        results: list[tuple[Mention, str, bool]] = []
        for index, mention in enumerate(mentions):
            occupied = [(m.start, m.end) for k, m in enumerate(mentions) if k != index]
            status, by_cue = self._status(mdoc, mention, before, after, occupied)
            if not by_cue and results:
                status, by_cue = self._inherit(mdoc, mention, results, status)
            results.append((mention, status, by_cue))
        best: dict[str, tuple[Mention, str]] = {}
        for mention, status, _ in results:
            current = best.get(mention.flag)
            if current is None or STATUS_RANK[status] > STATUS_RANK[current[1]]:
                best[mention.flag] = (mention, status)
        self._combine_clot_signs(best)
        self._add_doubted_topics(mdoc, before, after, best, generic)
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
                }
            )
        return sorted(flags, key=lambda f: (f["start"], f["flag"]))

    def _clause(self, doc: Doc, mention: Mention) -> tuple[int, int]:
        """Token bounds of the clause around a mention (scope boundaries on each side)."""
        left = mention.start
        while left > 0 and not self._is_boundary(doc, left - 1):
            left -= 1
        right = mention.end
        while right < len(doc) and not self._is_boundary(doc, right):
            right += 1
        return left, right

    def _in_past_clause(
        self, doc: Doc, mention: Mention, past: list[tuple[int, int]]
    ) -> bool:
        """Whether a past-time or resolved marker dates the mention's clause."""
        left, right = self._clause(doc, mention)
        return any(left <= start and end <= right for start, end in past)

    def _about_someone_else(
        self, doc: Doc, mention: Mention, *, contrasted: bool
    ) -> bool:
        """Whether a mention's clause is about another person.

        Only called when the message also speaks of the writer's own cramp ("my dad
        has diabetes but I'm asking about me", "my mum takes statins, I've just got a
        cramp"); a message written wholly for someone else ("my mum's calf is hot") is
        their report. With an explicit contrast any other person in the clause
        counts; otherwise only one who has, takes or is something ("my sister gets
        cramps every night") or whose thing it is ("my boyfriend's shin").
        """
        left = mention.start
        while left > 0 and not self._is_boundary(doc, left - 1):
            left -= 1
        clause = doc[left : mention.start]
        for i, token in enumerate(clause):
            if token.lower_ not in self._other_people:
                continue
            if contrasted or token.lower_ in self._other_possessives:
                return True
            following = [t.lower_ for t in clause[i + 1 : i + 4]]
            if following and following[0] in {"'s", "s", "’s"}:
                return True
            if any(word in self._other_predicates for word in following):
                return True
        return False

    def _add_doubted_topics(
        self,
        doc: Doc,
        before: list[Cue],
        after: list[Cue],
        best: dict[str, tuple[Mention, str]],
        generic: list[tuple[str, int, int]],
    ) -> None:
        """Flags whose topic is named in a message that voices doubt become unsure.

        Only doubt about the person's own state counts ("not sure if it's brown"); a
        bare "if" or "whether" is a condition as often as a doubt, and a question
        about the topic ("how can I tell if it's a tear?") is not a report.
        """
        doubts = [
            c
            for c in (*before, *after)
            if c.kind == "hedge"
            and doc[c.start : c.end].text.lower() not in WEAK_HEDGES
        ]
        if not doubts:
            return
        for match_id, start, end in self._topic_matcher(doc):
            flag = self._topic_flags[match_id]
            if flag in best or flag.startswith("_"):
                continue
            mention = Mention(flag, UNSURE, start, end, False)
            if generic and self._is_generic_question(doc, mention, generic):
                continue
            best[flag] = (mention, UNSURE)

    @staticmethod
    def _combine_clot_signs(best: dict[str, tuple[Mention, str]]) -> None:
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
                Mention(
                    "warm_red_swollen_leg", status, mention.start, mention.end, False
                ),
                status,
            )

    def _inherit(
        self,
        doc: Doc,
        mention: Mention,
        results: list[tuple[Mention, str, bool]],
        status: str,
    ) -> tuple[str, bool]:
        """Let a list item take the cue of the item before it ("no swelling, bruising").

        Returns the status and whether it was inherited.
        """
        previous, previous_status, previous_by_cue = results[-1]
        if not previous_by_cue or previous.end > mention.start:
            return status, False
        between = doc[previous.end : mention.start]
        if not all(t.lower_ in self._glue for t in between):
            return status, False
        if mention.end < len(doc) and doc[mention.end].lower_ in NOT_LIST_END:
            return status, False
        if mention.kind == ABSENT:
            return status, False
        return previous_status, True

    # ------------------------------------------------------------------ spaCy API

    def __call__(self, doc: Doc) -> Doc:
        """Set ``doc._.red_flags`` and ``doc._.red_flags_seen``."""
        if not self._compiled:
            self._compile()
        doc._.red_flags = self.find(doc)
        reported = {f["flag"] for f in doc._.red_flags}
        claimed = {
            other for flag in reported for other in self._suppresses.get(flag, ())
        }
        doc._.red_flags_seen = reported | claimed
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterable[Doc]:
        """Process a stream of docs."""
        for doc in stream:
            yield self(doc)

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
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / PATTERNS_FILE_NAME, self.patterns)

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
        return nlp.get_pipe(FACTORY_NAME).find(doc)
    return []
