"""A token :class:`~spacy.matcher.Matcher` that only tries patterns whose words occur.

spaCy's ``Matcher`` starts every pattern at every token, so its cost grows with
patterns x tokens: the red-flag wordings expanded to about 25,000 token patterns (6,276
since large wordings come in pieces, below), and matching them was nearly all of the
detector's time per message. Most patterns need a word the message does not contain.
This matcher files each pattern under one word it cannot match without (its *anchor*:
the first required token that names words by ``LEMMA``, ``LOWER``, ``NORM`` or
``ORTH``), keeps one small ``Matcher`` per anchor, and runs only those whose anchor
word is in the message.

A key may come in *pieces* (:meth:`nlp.wordings.WordingCompiler.compile_pieces`):
lists of patterns whose matches, one right after another, are the key's. Each piece is
matched like a key of its own, and the key's matches are joined from theirs.

It returns the matches one ``Matcher`` over all the patterns would (for pieces, over
the product of their patterns), but not in its order: that order depends on how the
``Matcher``'s match states interleave, which small matchers cannot reproduce. They
come sorted by ``(start, end, match_id)``; a caller whose reading could depend on the
order must not rely on the ``Matcher``'s own.
"""

import itertools
from collections.abc import Iterable
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

ANCHOR_ATTRS: tuple[str, ...] = ("LEMMA", "LOWER", "NORM", "ORTH")
REQUIRED_OPS: frozenset[str | None] = frozenset({None, "1", "+"})
TokenPattern = list[dict[str, Any]]
Match = tuple[int, int, int]
Anchor = tuple[str, frozenset[str]]


def anchor_of(pattern: TokenPattern) -> Anchor | None:
    """The first required token's words, as ``(attr, words)``; None if there is none.

    A pattern can only match a message that has a token with one of those words.
    """
    for spec in pattern:
        if spec.get("OP") not in REQUIRED_OPS:
            continue
        for attr in ANCHOR_ATTRS:
            value = spec.get(attr)
            if isinstance(value, str):
                return attr, frozenset({value})
            if isinstance(value, dict) and set(value) == {"IN"}:
                return attr, frozenset(value["IN"])
    return None


class AnchoredMatcher:
    """Token patterns grouped by anchor word; see the module docstring."""

    def __init__(
        self,
        vocab: Vocab,
        entries: Iterable[tuple[str, list[list[TokenPattern]]]],
        *,
        validate: bool = False,
    ) -> None:
        """Group the ``(key, pieces)`` entries' patterns by anchor, keeping their order.

        Most keys are one piece: a list of patterns, any of which is a match.
        """
        self.vocab = vocab
        groups: dict[Anchor | None, list[tuple[str, TokenPattern]]] = {}
        self.keys: list[str] = []
        # A key of several pieces -> its pieces' names, and their patterns.
        self.pieces: dict[str, list[tuple[str, list[TokenPattern]]]] = {}
        for key, key_pieces in entries:
            self.keys.append(key)
            named = [(key, key_pieces[0])]
            if len(key_pieces) > 1:
                named = [
                    (f"{key}#{i}", patterns) for i, patterns in enumerate(key_pieces)
                ]
                self.pieces[key] = named
            for name, patterns in named:
                for pattern in patterns:
                    groups.setdefault(anchor_of(pattern), []).append((name, pattern))
        self.joins = [
            (vocab.strings.add(key), [vocab.strings.add(name) for name, _ in named])
            for key, named in self.pieces.items()
        ]
        self.piece_ids = {piece for _, pieces in self.joins for piece in pieces}
        self.matchers = [build_matcher(vocab, g, validate) for g in groups.values()]
        # Groups without an anchor always run; the others when a word is present.
        self.always = [g for g, anchor in enumerate(groups) if anchor is None]
        self.by_word: dict[tuple[str, int], list[int]] = {}
        for group, anchor in enumerate(groups):
            if anchor is not None:
                attr, words = anchor
                for word in words:
                    word_id = vocab.strings.add(word)
                    self.by_word.setdefault((attr, word_id), []).append(group)

    def __len__(self) -> int:
        """The number of keys."""
        return len(self.keys)

    def single_matcher(self) -> Matcher:
        """One ``Matcher`` over all the patterns, as before anchors (for benchmarks).

        A key of several pieces gets the product of their patterns.
        """
        matcher = Matcher(self.vocab)
        for key in self.keys:
            if key in self.pieces:
                pieces = [patterns for _, patterns in self.pieces[key]]
                matcher.add(
                    key, [list(itertools.chain(*c)) for c in itertools.product(*pieces)]
                )
                continue
            for group in self.matchers:
                if key in group:
                    matcher.add(key, group.get(key)[1])
        return matcher

    def active_groups(self, doc: Doc) -> list[int]:
        """The groups whose anchor word is in ``doc``, in group order."""
        active = set(self.always)
        by_word = self.by_word
        for token in doc:
            for key in (
                ("LEMMA", token.lemma),
                ("LOWER", token.lower),
                ("NORM", token.norm),
                ("ORTH", token.orth),
            ):
                groups = by_word.get(key)
                if groups:
                    active.update(groups)
        return sorted(active)

    def __call__(self, doc: Doc) -> list[Match]:
        """``(match_id, start, end)`` for every match in ``doc``, sorted."""
        found: set[Match] = set()  # a key may match the same words in two groups
        for group in self.active_groups(doc):
            found.update(self.matchers[group](doc))
        if self.joins:
            found = self.joined(found)
        return sorted(found, key=lambda m: (m[1], m[2], m[0]))

    def joined(self, found: set[Match]) -> set[Match]:
        """``found`` with the pieces' matches joined into their keys' matches."""
        ends: dict[int, dict[int, list[int]]] = {}  # piece -> start -> ends
        matches: set[Match] = set()
        for match in found:
            match_id, start, end = match
            if match_id in self.piece_ids:
                ends.setdefault(match_id, {}).setdefault(start, []).append(end)
            else:
                matches.add(match)
        for key_id, pieces in self.joins:
            first = ends.get(pieces[0])
            if not first:
                continue
            spans = {(start, end) for start, stops in first.items() for end in stops}
            for piece in pieces[1:]:
                after = ends.get(piece, {})
                spans = {
                    (s, end) for s, middle in spans for end in after.get(middle, ())
                }
            matches.update((key_id, start, end) for start, end in spans)
        return matches


def build_matcher(
    vocab: Vocab, patterns: list[tuple[str, TokenPattern]], validate: bool
) -> Matcher:
    """One Matcher over ``(key, pattern)`` pairs, in their order."""
    by_key: dict[str, list[TokenPattern]] = {}
    for key, pattern in patterns:
        by_key.setdefault(key, []).append(pattern)
    matcher = Matcher(vocab, validate=validate)
    for key, key_patterns in by_key.items():
        matcher.add(key, key_patterns)
    return matcher
