"""The scope of a red-flag mention: negation, doubt, lists and clauses.

A NegEx-style reading of the words around a mention, configured by the ``scope``
section of ``red_flag_patterns.yml``:

* a negation cue in the same clause ("no swelling", "isn't numb") makes it absent;
* an epistemic hedge ("maybe a pop", "swollen i think") makes it unsure, while degree
  words ("a bit numb") decide nothing: they say how much, not whether;
* a leading cue covers a list ("no swelling, bruising or numbness");
* a clause boundary ("but", "though", ",", ";", ".", "and my ...") ends the scope;
* a word that would explain a flag away does not inside a comparison ("numb, like
  after the dentist").

Whether a mention is the writer's report at all (not a question, another person's,
or the past) is read by :mod:`nlp.reports`.
"""

from collections.abc import Callable
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token

from nlp.mentions import ABSENT, PRESENT, UNSURE, Cue, Mention
from nlp.wordings import (
    NEGATION_ENDINGS,
    NEGATION_WORDS,
    lower_set,
    phrase_at,
    word_tuples,
)

SENTENCE_ENDS = frozenset({".", "!", "?", ";"})
COMPARISON_REACH = 6
"""Words before a vetoing word searched for "like" ("same as my lip after the dentist")."""
DENIAL_REACH = 3
"""Words before a vetoing word searched for a negation ("isn't from the ice pack")."""


class Scope:
    """Decides what the words around a mention say about it."""

    def __init__(self, nlp: Language, scope: dict[str, Any]) -> None:
        """Build the cue matchers and word lists from the ``scope`` section."""
        self.nlp = nlp
        vocab = nlp.vocab

        def phrases(*names: str) -> list[Doc]:
            return [
                nlp.make_doc(str(c).lower()) for n in names for c in scope.get(n) or []
            ]

        self.cue_matcher = PhraseMatcher(vocab, attr="NORM")
        for kind, name in (
            ("negation", "negation_before"),
            ("hedge", "hedge_before"),
            ("pseudo", "pseudo"),
            ("degree", "degree"),
        ):
            self.cue_matcher.add(f"before|{kind}", phrases(name))
        for kind, name in (
            ("negation", "negation_after"),
            ("hedge", "hedge_after"),
            ("pseudo", "pseudo"),
            ("degree", "degree"),
        ):
            self.cue_matcher.add(f"after|{kind}", phrases(name))
        self.comparisons = lower_set(scope.get("comparisons"))
        self.cause_words = lower_set(scope.get("cause_words"))
        self.weak_hedges = lower_set(scope["weak_hedges"])
        self.list_end_words = lower_set(scope["list_end_words"])
        self.boundaries = lower_set(scope["boundaries"])
        self.negated_boundaries = lower_set(scope.get("negated_boundaries"))
        self.soft = set(scope["soft_punctuation"])
        self.conjunctions = lower_set(scope["conjunctions"])
        self.starters = lower_set(scope["clause_starters"])
        self.interjections = lower_set(scope["interjections"])
        self.glue = lower_set(scope["list_glue"])
        self.fillers = lower_set(scope.get("trailing_fillers"))
        self.statement_verbs = lower_set(scope["statement_verbs"])
        self.concord = lower_set(scope.get("negative_concord"))
        self.agreeing_after = lower_set(scope.get("agreeing_after"))
        self.window_before = int(scope["window_before"])
        self.window_after = int(scope["window_after"])
        self.confirmations = word_tuples(nlp, scope.get("confirmations"))

    # ------------------------------------------------------------------ clauses

    def is_boundary(self, doc: Doc, i: int, *, interjections: bool = True) -> bool:
        """Whether token ``i`` ends a negation/hedge scope.

        An interjection ("no, ...", "no my calf ...") is a boundary for cues before a
        mention; for trailing cues ("swelling? no") pass ``interjections=False``.
        """
        token = doc[i]
        lower = token.lower_
        if lower in self.negated_boundaries and i > 0 and doc[i - 1].norm_ == "not":
            return False  # "I don't actually have", "not cos I'm out of breath"
        if lower in self.boundaries or (token.is_space and "\n" in token.text):
            return True
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        if (
            lower in self.conjunctions
            and nxt is not None
            and nxt.lower_ in self.starters
        ):
            return True
        if lower in self.conjunctions and self.answers_ahead(doc, i + 1):
            return True  # "my chest hurts and no, it's not anxiety"
        if (
            interjections
            and lower in self.interjections
            and (i == 0 or doc[i - 1].is_punct or doc[i - 1].is_sent_start)
        ):
            return nxt is None or nxt.is_punct or nxt.lower_ in self.starters
        return False

    @staticmethod
    def sentence(doc: Doc, mention: Mention) -> tuple[int, int]:
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

    def clause(self, doc: Doc, mention: Mention) -> tuple[int, int]:
        """Token bounds of the clause around a mention (scope boundaries each side)."""
        left = mention.start
        while left > 0 and not self.is_boundary(doc, left - 1):
            left -= 1
        right = mention.end
        while right < len(doc) and not self.is_boundary(doc, right):
            right += 1
        return left, right

    # ------------------------------------------------------------------ cues

    def cues(self, doc: Doc) -> tuple[list[Cue], list[Cue]]:
        """Cues before and after mentions; the longest cue wins where cues overlap."""
        before: list[Cue] = []
        after: list[Cue] = []
        matches = sorted(self.cue_matcher(doc), key=lambda m: (-(m[2] - m[1]), m[1]))
        for match_id, start, end in matches:
            side, kind = self.nlp.vocab.strings[match_id].split("|")
            interjection = doc[start].lower_ in self.interjections
            if side == "before" and interjection and self.is_boundary(doc, start):
                continue
            target = before if side == "before" else after
            if not any(c.start < end and start < c.end for c in target):
                target.append(Cue(kind, start, end))
        return before, after

    def only_glue(self, doc: Doc, start: int, end: int) -> bool:
        """Whether the words from ``start`` to ``end`` only join a list (", or")."""
        return all(t.lower_ in self.glue or t.text in self.soft for t in doc[start:end])

    def is_statement(self, doc: Doc, start: int, end: int) -> bool:
        """Whether the words hold a verb that makes them a statement ("calf is")."""
        return any(t.lower_ in self.statement_verbs for t in doc[start:end])

    def voices_doubt(self, doc: Doc, before: list[Cue], after: list[Cue]) -> bool:
        """Whether the message doubts the person's own state ("not sure if ...")."""
        return any(
            c.kind == "hedge"
            and doc[c.start : c.end].text.lower() not in self.weak_hedges
            for c in (*before, *after)
        )

    def status(
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
        while left > 0 and mention.start - left < self.window_before:
            i = left - 1
            if self.is_boundary(doc, i) or any(s <= i < e for s, e in occupied):
                break
            left = i
        kinds = {c.kind for c in before if left < c.end <= mention.start}
        if self.repeats_negation(mention, doc[mention.start].lower_, self.concord):
            kinds.discard("negation")
        if not mention.literal_negation:
            # A cue inside the mention's words, unless a boundary after it ends its
            # clause first: "my foot isn't red, it's white" says the foot is white.
            kinds |= {
                c.kind
                for c in before
                if mention.start <= c.start
                and c.end <= mention.end
                and not any(self.is_boundary(doc, k) for k in range(c.end, mention.end))
            }
        j = mention.end
        while j < len(doc) and doc[j].text in self.soft:
            j += 1
        if "hedge" in kinds and self.confirmed(doc, j):
            kinds.discard("hedge")  # "I think there's swelling, yes, it's very visible"
        # Scope after: a trailing cue that closes the clause ("swelling? no").
        limit = j
        starts = {cue.start: cue.end for cue in after}
        while limit < len(doc) and limit - mention.end < self.window_after:
            if limit in starts and limit > j:
                # A trailing cue may open with a boundary ("weak, but not sure").
                limit = starts[limit]
                break
            boundary = self.is_boundary(doc, limit, interjections=False)
            if boundary and doc[limit].text not in self.soft:
                break
            # Another mention ends the reach unless the two are a list of bare
            # names ("swelling, bruising? no"): "my foot is cold and white, no
            # swelling nahi" and "... white, swelling no" deny only the swelling.
            if any(s <= limit < e for s, e in occupied) and not (
                self.only_glue(doc, mention.end, limit)
                and not self.is_statement(
                    doc, self.clause(doc, mention)[0], mention.end
                )
            ):
                break
            limit += 1
        for cue in after:
            if cue.kind == "hedge" and self.doubts_cause(doc, cue):
                continue
            word = doc[cue.start : cue.end].text.lower()
            if cue.kind == "negation" and self.repeats_negation(
                mention, word, self.agreeing_after
            ):
                continue
            if mention.end <= cue.start < limit and self.closes_clause(doc, cue.end):
                kinds.add(cue.kind)
        # Look-alike cues and degree words ("a bit swollen") decide nothing.
        kinds -= {"pseudo", "degree"}
        if "hedge" in kinds:
            return UNSURE, True
        if "negation" in kinds:
            return (UNSURE if mention.kind == ABSENT else ABSENT), True
        return mention.kind, False

    def confirmed(self, doc: Doc, j: int) -> bool:
        """Whether a confirmation at token ``j`` closes its clause ("..., yes, ...").

        ``j`` is the first token after a mention and any soft punctuation; the
        confirmation settles a hedge before the mention.
        """
        end = j + phrase_at(doc, j, self.confirmations)
        return end > j and (
            end == len(doc) or doc[end].is_punct or self.is_boundary(doc, end)
        )

    @staticmethod
    def repeats_negation(mention: Mention, word: str, words: set[str]) -> bool:
        """Whether a negation word beside ``mention`` says its own negation again.

        Only for a wording that reports the flag with a negation word of its own:
        one of ``negative_concord`` opening it ("can't put no weight on it", "ain't
        no way I can walk") or one of ``agreeing_after`` after it ("breathing ain't
        great, no", "can't put weight on it, no"). The word denies nothing.
        """
        return mention.kind == PRESENT and mention.literal_negation and word in words

    def inherit(
        self,
        doc: Doc,
        mention: Mention,
        results: list[tuple[Mention, str, bool]],
        status: str,
    ) -> tuple[str, bool]:
        """Let a list item take the cue of the item before it ("no swelling, bruising").

        A word that ends the list after the item ("no swelling, bruising though") sets
        it apart, unless "or" or "nor" joins it: "not hot or red though" denies both.
        Returns the status and whether it was inherited.
        """
        previous, previous_status, previous_by_cue = results[-1]
        if not previous_by_cue or previous.end > mention.start:
            return status, False
        between = doc[previous.end : mention.start]
        if not all(t.lower_ in self.glue for t in between):
            return status, False
        alternative = any(t.lower_ in ("or", "nor") for t in between)
        ends_list = (
            mention.end < len(doc) and doc[mention.end].lower_ in self.list_end_words
        )
        if ends_list and not alternative:
            return status, False
        if mention.kind == ABSENT:
            return status, False
        return previous_status, True

    def answers_ahead(self, doc: Doc, i: int) -> bool:
        """Whether token ``i`` opens an answer to a question the writer expects.

        An interjection and a comma after a joiner such as "and" ("my chest hurts and no,
        it's not anxiety"): the "no" denies the next clause, not the one before.
        """
        return (
            i + 2 < len(doc)
            and doc[i].lower_ in self.interjections
            and doc[i + 1].text == ","
        )

    def closes_clause(self, doc: Doc, i: int) -> bool:
        """Whether the clause ends at token ``i``, past any trailing fillers ("no mate")."""
        while i < len(doc):
            if i + 1 < len(doc) and doc[i : i + 2].text.lower() in self.fillers:
                i += 2
            elif doc[i].lower_ in self.fillers:
                i += 1
            else:
                break
        return (
            i == len(doc)
            or doc[i].is_punct
            or self.is_boundary(doc, i, interjections=False)
        )

    def doubts_cause(self, doc: Doc, cue: Cue) -> bool:
        """Whether a trailing hedge goes on to a cause ("maybe because ...")."""
        return cue.end < len(doc) and doc[cue.end].lower_ in self.cause_words

    def denies_cause(self, doc: Doc, i: int) -> bool:
        """Whether the harmless cause at token ``i`` is denied.

        "Not from sitting on it", "it's not the ice pack": a negation at most
        ``DENIAL_REACH`` words before it, in its clause.
        """
        return self._word_before(
            doc,
            i,
            DENIAL_REACH,
            lambda t: t.norm_ in NEGATION_WORDS or t.lower_.endswith(NEGATION_ENDINGS),
        )

    def compares(self, doc: Doc, i: int) -> bool:
        """Whether token ``i`` is inside a comparison ("numb like after the dentist")."""
        return self._word_before(
            doc, i, COMPARISON_REACH, lambda t: t.lower_ in self.comparisons
        )

    def _word_before(
        self, doc: Doc, i: int, reach: int, wanted: Callable[[Token], bool]
    ) -> bool:
        """Whether a ``wanted`` word is at most ``reach`` words before ``i``, in its clause."""
        for j in range(i - 1, max(-1, i - 1 - reach), -1):
            if wanted(doc[j]):
                return True
            if self.is_boundary(doc, j):
                return False
        return False
