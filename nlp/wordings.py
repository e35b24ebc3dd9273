"""The wording language of ``red_flag_patterns.yml``, compiled into spaCy patterns.

A clinician writes a wording as words and a few signs (documented at the top of the
patterns file): ``a|b`` alternatives, ``(a|b)?`` optional, ``~`` up to four linking
words, ``*`` any one word, ``#`` a number, ``####`` a year, ``%ing`` any -ing word,
``=word`` this exact word, ``{concept}`` any word of a named concept (a concept may
list another, ``{repeat}``, among its words). This module turns one wording into
:class:`spacy.matcher.Matcher` token patterns over ``LEMMA`` and ``NORM`` (so "bruise"
finds "bruised" and "can't" finds "cant"). It knows nothing about red flags, negation
or scope, as spaCy's ``matcher`` knows nothing of the entity ruler that uses it.
"""

import itertools
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

from nlp.anchored_matcher import AnchoredMatcher

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
# The token specs a wording may spend to stay in one piece rather than two.
PIECE_COST = 200
CONTRASTS = ["although", "but", "however", "though", "tho", "whereas"]
CONCEPT_REFERENCE = re.compile(r"\{([a-z_]+)\}")


def concept_words(
    concepts: dict[str, list[Any]], name: str, seen: tuple[str, ...] = ()
) -> list[str]:
    """The words of a named concept; an entry ``{other}`` stands for that concept's words.

    ``often`` lists ``{repeat}`` rather than repeating "again and again"; a concept
    that names itself, directly or through another, is an error.
    """
    if name in seen:
        raise ValueError(f"concept {{{name}}} names itself: {' -> '.join(seen)}")
    words = []
    for word in concepts[name]:
        text = str(word).strip()
        inner = CONCEPT_REFERENCE.fullmatch(text)
        if inner and inner.group(1) not in concepts:
            raise ValueError(f"unknown concept {text} in concept {{{name}}}")
        if inner:
            words.extend(concept_words(concepts, inner.group(1), (*seen, name)))
        else:
            words.append(text)
    return words


# One group of alternatives, optional or not: "(a|b)", "(a|b)?", "(a|b (c|d)?)".
GROUP = re.compile(r"\(.*\)\??")
NEGATION_WORDS = frozenset({"not", "no", "never", "without", "nor", "none", "nothing"})
# Negations spelt as whole words ("cant") and as word endings ("can't", Scots "didnae").
# Caribbean "nuh" and "neva" ("di pain nuh shift") are negation cues of the scope too.
NEGATION_SPELLINGS = frozenset({"cannot", "cant", "wont", "isnt", "nuh", "neva"})
NEGATION_ENDINGS = ("n't", "nae")
TokenSpec = dict[str, Any]


def lower_set(words: Any) -> set[str]:
    """The words of a word list, lower-cased."""
    return {str(w).lower() for w in words or []}


def word_tuples(nlp: Any, phrases: Any) -> list[tuple[str, ...]]:
    """The phrases of a word list as lower-cased words, in order, for :func:`phrase_at`.

    ``nlp`` tokenizes them (``nlp.make_doc``) as it tokenizes a message.
    """
    return [
        tuple(t.lower_ for t in nlp.make_doc(str(p).lower())) for p in phrases or []
    ]


def phrase_at(doc: Doc, i: int, phrases: Iterable[tuple[str, ...]]) -> int:
    """The length of the first of ``phrases`` (lower-cased words) at token ``i``.

    0 when none of them starts there.
    """
    for phrase in phrases:
        if tuple(t.lower_ for t in doc[i : i + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def load_patterns(path: str | Path) -> dict[str, Any]:
    """Read a patterns file (YAML or JSON) into a plain dict."""
    path = Path(path)
    if path.suffix == ".json":
        return srsly.read_json(path)
    return srsly.read_yaml(path)


def split_outside_groups(text: str, separator: str) -> list[str]:
    """Split ``text`` on the ``separator`` characters that are not inside parentheses."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == separator and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def split_alternatives(body: str) -> list[str]:
    """Split a group's body on the ``|`` that are not inside inner groups."""
    return split_outside_groups(body, "|")


def split_top_level(entry: str) -> list[str]:
    """Split a wording on the spaces that are not inside parentheses."""
    return [part for part in split_outside_groups(entry, " ") if part]


def holds_a_word(specs: list[TokenSpec]) -> bool:
    """Whether a token-spec sequence has a token that is not optional."""
    return any(spec.get("OP") != "?" for spec in specs)


def patterns_of(elements: list[list[list[TokenSpec]]]) -> list[list[TokenSpec]]:
    """The product of the elements' options, but the patterns that need no word."""
    patterns = []
    for combo in itertools.product(*elements):
        pattern = [spec for seq in combo for spec in seq]
        if holds_a_word(pattern):
            patterns.append(pattern)
    return patterns


def token_count(elements: list[list[list[TokenSpec]]]) -> int:
    """How many token specs the product of ``elements`` holds."""
    total = 0
    for index, options in enumerate(elements):
        others = math.prod(len(o) for i, o in enumerate(elements) if i != index)
        total += sum(len(option) for option in options) * others
    return total


def cheapest_pieces(elements: list[list[list[TokenSpec]]]) -> list[tuple[int, int]]:
    """The ``(start, end)`` element ranges that hold the fewest token specs.

    Every range holds an element that needs a word; a wording without one is a
    single range. Each further piece costs ``PIECE_COST`` specs, for its joining.
    """
    count = len(elements)
    # Whether each element needs a word: every one of its options holds one.
    needs = [all(map(holds_a_word, options)) for options in elements]
    if not any(needs):
        return [(0, count)]
    # best[end]: the cheapest cost and ranges of elements[:end].
    best: list[tuple[float, list[tuple[int, int]]]] = [(0, [])]
    for end in range(1, count + 1):
        candidates = [
            (
                best[start][0] + token_count(elements[start:end]) + PIECE_COST,
                [*best[start][1], (start, end)],
            )
            for start in range(end)
            if best[start][0] != math.inf and any(needs[start:end])
        ]
        best.append(min(candidates, default=(math.inf, [])))
    return best[count][1]


class WordingCompiler:
    """Compiles wordings for one pipeline (its tokenizer and lookup lemmas)."""

    def __init__(
        self,
        nlp: Language,
        *,
        concepts: dict[str, list[str]],
        linking_words: Iterable[str],
        spellings: dict[str, list[str]] | None = None,
    ) -> None:
        """Keep the pipeline, the named concepts and the words ``~`` may skip.

        ``spellings`` maps a word of the wordings to its other spellings ("me" and
        "ma" for "my"); the word then matches any of them.
        """
        self.nlp = nlp
        self.concepts = concepts
        self.spellings = {
            str(word).lower(): sorted({str(word).lower(), *lower_set(others)})
            for word, others in (spellings or {}).items()
        }
        self.linking_words = sorted({w.lower() for w in linking_words})

    def lemma_of(self, word: str) -> str:
        """The lookup lemma of ``word``, or the word itself without a lemmatizer."""
        if "lemmatizer" in self.nlp.pipe_names:
            lookups = self.nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
            if lookups.has_table("lemma_lookup"):
                return lookups.get_table("lemma_lookup").get(word, word)
        return word

    def token_specs(self, word: str) -> list[TokenSpec]:
        """Matcher token specs for one written word (may be several tokens)."""
        if word == "#":
            return [{"LIKE_NUM": True}]
        if word == "####":
            # A year ("back in 2019").
            return [{"SHAPE": "dddd"}]
        if word == "%ing":
            # Any -ing form ("can't stand foam rolling", "can't stand waiting").
            return [{"LOWER": {"REGEX": r"^[a-z]+ing$"}}]
        if word.startswith("="):
            # "=numb": this exact word only (the lemma of "number" is "numb").
            return [{"LOWER": {"IN": [t.lower_]}} for t in self.nlp.make_doc(word[1:])]
        specs: list[TokenSpec] = []
        for token in self.nlp.make_doc(word):
            if token.lower_ in self.spellings:
                specs.append({"LOWER": {"IN": self.spellings[token.lower_]}})
            elif token.norm_ != token.lower_ or token.lower_ in NORM_WORDS:
                specs.append({"NORM": {"IN": [token.norm_]}})
            elif token.is_punct:
                specs.append({"ORTH": {"IN": [token.text]}})
            elif self.lemma_of(token.lower_) == token.lower_:
                # A dictionary form ("bruise") stands for all its inflections.
                specs.append({"LEMMA": {"IN": [token.lower_]}})
            else:
                # An inflected form ("swollen", "gone") stands for itself only, and
                # for its spelling without the final g ("waking", "wakin") where the
                # lemmatizer knows that spelling as the same word (nlp/build.py).
                form = token.lower_
                forms = [form]
                if form.endswith("ing"):
                    dropped = form[:-1]
                    if self.lemma_of(dropped) == self.lemma_of(form) != dropped:
                        forms.append(dropped)
                specs.append({"LOWER": {"IN": forms}})
        return specs

    def element_options(self, element: str) -> list[list[TokenSpec]]:
        """All token-spec sequences one element of a wording can stand for."""
        if element == "*":
            # Any word but one that turns to another matter ("every night but the
            # cramp only happened today").
            return [[{"IS_PUNCT": False, "LOWER": {"NOT_IN": CONTRASTS}, "OP": "?"}]]
        if element == "~":
            link = self.linking_words
            return [[{"LOWER": {"IN": link}, "OP": "?"} for _ in range(LINK_GAP)]]
        if ("(" in element or ")" in element) and not GROUP.fullmatch(element):
            raise ValueError(f"a group must be a whole element: {element!r}")
        optional = element.endswith("?") and element.startswith("(")
        body = element[:-1] if optional else element
        if body.startswith("(") and body.endswith(")"):
            body = body[1:-1]
        options: list[list[TokenSpec]] = []
        merged: dict[str, set[str]] = {}
        for alternative in split_alternatives(body):
            alternative = alternative.replace("_", " ").strip()
            # An alternative may hold groups of its own ("cold (to (the)? touch)").
            parts = [
                self.element_options(part)
                if part.startswith("(") or part in ("*", "~")
                else [self.token_specs(part)]
                for part in split_top_level(alternative)
            ]
            for combo in itertools.product(*parts):
                specs = [spec for seq in combo for spec in seq]
                first = next(iter(specs[0].values())) if specs and specs[0] else None
                single = len(specs) == 1 and len(specs[0]) == 1
                if single and isinstance(first, dict) and "IN" in first:
                    attr, value = next(iter(specs[0].items()))
                    merged.setdefault(attr, set()).update(value["IN"])
                    continue
                options.append(specs)
        for attr, values in merged.items():
            ordered: list[Any] = sorted(values)
            # One value is a plain (fast) comparison; several are a set predicate.
            options.append(
                [{attr: ordered[0] if len(ordered) == 1 else {"IN": ordered}}]
            )
        if optional:
            if len(options) == 1 and len(options[0]) == 1:
                return [[{**options[0][0], "OP": "?"}]]
            options.append([])
        return options

    def expand_concepts(self, entry: str) -> str:
        """Replace each ``{concept}`` of a wording by its words as alternatives."""

        def alternatives(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.concepts:
                raise ValueError(f"unknown concept {{{name}}} in wording {entry!r}")
            words = [w.replace(" ", "_") for w in concept_words(self.concepts, name)]
            before = entry[: match.start()]
            if before.count("(") > before.count(")"):
                # Already among alternatives ("({pale_colour}|{cold})"): its words join
                # them (nested parentheses would drop the concept).
                return "|".join(words)
            return "(" + "|".join(words) + ")"

        return CONCEPT_REFERENCE.sub(alternatives, entry)

    def spells_negation(self, entry: str) -> bool:
        """Whether a wording spells a negation itself ("can't walk", "no strength").

        Such a wording is not flipped by the negation it contains.
        """
        expanded = self.expand_concepts(entry)
        words = set(re.split(r"[\s|()_?]+", expanded))
        return bool((NEGATION_WORDS | NEGATION_SPELLINGS) & words) or any(
            word.endswith(NEGATION_ENDINGS) for word in words
        )

    def elements(self, entry: str) -> list[list[list[TokenSpec]]]:
        """The options of each element of a wording, in order."""
        parts = split_top_level(self.expand_concepts(entry))
        return [self.element_options(part) for part in parts]

    def compile(self, entry: str) -> list[list[TokenSpec]]:
        """Matcher patterns for one wording."""
        return patterns_of(self.elements(entry))

    def compile_pieces(self, entry: str) -> list[list[list[TokenSpec]]]:
        """One wording's patterns cut into pieces that match one after another.

        A wording's patterns are the product of its elements' options, so two
        concepts of a hundred multi-word entries each are ten thousand patterns
        (spaCy keeps every token of each in memory). Cut between them, they are two
        pieces of a hundred patterns, and a match of the wording is a match of the
        first piece followed at once by one of the second (:mod:`nlp.anchored_matcher`
        joins them). Every piece holds an element that always needs a word, so no
        pattern of the product is one the wording drops for matching nothing, and
        the joined matches are the product's. Small wordings stay one piece.
        """
        elements = self.elements(entry)
        return [patterns_of(elements[a:b]) for a, b in cheapest_pieces(elements)]

    def matcher(
        self, entries: Iterable[tuple[str, str]], *, validate: bool = False
    ) -> Matcher:
        """One Matcher for ``(key, wording)`` pairs; the key names each match."""
        matcher = Matcher(self.nlp.vocab, validate=validate)
        for key, entry in entries:
            matcher.add(key, self.compile(entry))
        return matcher

    def anchored_matcher(
        self,
        entries: Iterable[tuple[str, str]],
        *,
        validate: bool = False,
    ) -> AnchoredMatcher:
        """Like :meth:`matcher`, but only tries the patterns whose words occur.

        The same matches, sorted by position rather than in a ``Matcher``'s order
        (:mod:`nlp.anchored_matcher`).
        """
        return AnchoredMatcher(
            self.nlp.vocab,
            ((key, self.compile_pieces(entry)) for key, entry in entries),
            validate=validate,
        )
