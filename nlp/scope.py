"""The scope of a red-flag mention: negation, doubt, questions, other people, the past.

A NegEx-style reading of the words around a mention, configured by the ``scope``
section of ``red_flag_patterns.yml``:

* a negation cue in the same clause ("no swelling", "isn't numb") makes it absent;
* an epistemic hedge ("maybe a pop", "swollen i think") makes it unsure, while degree
  words ("a bit numb") decide nothing: they say how much, not whether;
* a leading cue covers a list ("no swelling, bruising or numbness");
* a clause boundary ("but", "though", ",", ";", ".", "and my ...") ends the scope;
* a question about the topic ("do statins cause cramps?"), another person's symptom
  ("my dad has diabetes but I'm asking about me") and a past or resolved episode ("the
  chest pain I had back in 2019") are not reports.
"""

from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from nlp.mentions import ABSENT, UNSURE, Cue, GenericCue, Mention
from nlp.wordings import WordingCompiler, lower_set

SENTENCE_ENDS = frozenset({".", "!", "?", ";"})
COMPARISON_REACH = 6
"""Words before a vetoing word searched for "like" ("same as my lip after the dentist")."""
PREDICATE_REACH = 5
"""Words after another person searched for their verb ("my brother in Leeds couldn't")."""


class Scope:
    """Decides what the words around a mention say about it."""

    def __init__(
        self,
        nlp: Language,
        scope: dict[str, Any],
        compiler: WordingCompiler,
        *,
        validate: bool = False,
    ) -> None:
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
            ("degree", "degree"),
        ):
            self.cue_matcher.add(f"after|{kind}", phrases(name))
        self.generic_matcher = PhraseMatcher(vocab, attr="NORM")
        for key in ("generic_question_start", "generic_question", "telling_apart"):
            if scope.get(key):
                self.generic_matcher.add(key, phrases(key))
        self.self_contrast = PhraseMatcher(vocab, attr="NORM")
        self.self_contrast.add("self_contrast", phrases("self_contrast"))
        self.self_report = compiler.matcher(
            (
                (f"self_report|{i}", e)
                for i, e in enumerate(scope.get("self_report") or [])
            ),
            validate=validate,
        )
        self.past = compiler.matcher(
            ((f"past|{i}", e) for i, e in enumerate(scope.get("past") or [])),
            validate=validate,
        )
        self.onset = lower_set(scope.get("onset"))
        self.comparisons = lower_set(scope.get("comparisons"))
        self.first_person = lower_set(scope["first_person"])
        self.question_subjects = lower_set(scope["question_subjects"])
        self.question_words = lower_set(scope["question_words"])
        self.weak_hedges = lower_set(scope["weak_hedges"])
        self.list_end_words = lower_set(scope["list_end_words"])
        self.other_people = lower_set(scope.get("other_people"))
        self.other_possessives = lower_set(scope.get("other_possessives"))
        self.other_predicates = lower_set(scope.get("other_predicates"))
        self.observer_verbs = lower_set(scope.get("observer_verbs"))
        self.third_person = lower_set(scope.get("third_person"))
        self.leg_parts = lower_set(compiler.concepts.get("leg_part"))
        self.boundaries = lower_set(scope["boundaries"])
        self.soft = set(scope["soft_punctuation"])
        self.conjunctions = lower_set(scope["conjunctions"])
        self.starters = lower_set(scope["clause_starters"])
        self.interjections = lower_set(scope["interjections"])
        self.glue = lower_set(scope["list_glue"])
        self.window_before = int(scope["window_before"])
        self.window_after = int(scope["window_after"])

    # ------------------------------------------------------------------ clauses

    def is_boundary(self, doc: Doc, i: int, *, interjections: bool = True) -> bool:
        """Whether token ``i`` ends a negation/hedge scope.

        An interjection ("no, ...", "no my calf ...") is a boundary for cues before a
        mention; for trailing cues ("swelling? no") pass ``interjections=False``.
        """
        token = doc[i]
        lower = token.lower_
        if lower in self.boundaries or (token.is_space and "\n" in token.text):
            return True
        nxt = doc[i + 1] if i + 1 < len(doc) else None
        if (
            lower in self.conjunctions
            and nxt is not None
            and nxt.lower_ in self.starters
        ):
            return True
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
        if not mention.literal_negation:
            kinds |= {
                c.kind
                for c in before
                if mention.start <= c.start and c.end <= mention.end
            }
        # Scope after: a trailing cue that closes the clause ("swelling? no").
        j = mention.end
        while j < len(doc) and doc[j].text in self.soft:
            j += 1
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
            limit += 1
        for cue in after:
            if mention.end <= cue.start < limit:
                closes = cue.end == len(doc) or doc[cue.end].is_punct
                closes = closes or self.is_boundary(doc, cue.end, interjections=False)
                if closes:
                    kinds.add(cue.kind)
        # Look-alike cues and degree words ("a bit swollen") decide nothing.
        kinds -= {"pseudo", "degree"}
        if "hedge" in kinds:
            return UNSURE, True
        if "negation" in kinds:
            return (UNSURE if mention.kind == ABSENT else ABSENT), True
        return mention.kind, False

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

    # ------------------------------------------------------------------ not reports

    def generic_cues(self, doc: Doc) -> list[GenericCue]:
        """Question cues in ``doc``: (kind, start, end)."""
        return [
            (self.nlp.vocab.strings[key], start, end)
            for key, start, end in self.generic_matcher(doc)
        ]

    def is_generic_question(
        self, doc: Doc, mention: Mention, generic: list[GenericCue]
    ) -> bool:
        """A question about the topic, not about the person ("do statins cause cramps").

        The sentence holds a generic-question cue (a leading "do", "can", "is" ... or
        "difference between", "side effect of", "cause" ...) outside the mention, and
        no first-person word. A sentence that asks how to tell conditions apart ("how
        can I tell whether I tore it or it cramped") is a question about the topic even
        in the first person.
        """
        left, right = self.sentence(doc, mention)
        for key, start, end in generic:
            if key == "telling_apart" and start == left and end <= mention.start:
                return True
        if any(t.lower_ in self.first_person for t in doc[left:right]):
            return False
        for key, start, end in generic:
            outside = end <= mention.start or start >= mention.end
            negated = end < len(doc) and doc[end].norm_ == "not"  # "can't", "isn't"
            # "can walk ok but it's tingly" is an answer, not a question: a leading
            # "can"/"is"/"do" asks when a subject follows it ("can statins ...", "is it
            # ...") or the sentence ends with a question mark.
            following = doc[start + 1].lower_ if start + 1 < len(doc) else ""
            asks = (
                doc[start].lower_ in self.question_words
                or following in self.question_subjects
                or (right > 0 and doc[right - 1].text == "?")
                or (right < len(doc) and doc[right].text == "?")
            )
            leading = key == "generic_question_start" and start == left and asks
            if leading and outside and not negated:
                return True
            if key == "generic_question" and left <= start and end <= right and outside:
                return True
        return False

    def in_past(self, doc: Doc, mention: Mention, past: list[tuple[int, int]]) -> bool:
        """Whether a past-time or resolved marker dates the mention's clause.

        A marker that dates a beginning ("started a statin last month", "the cramps
        began last year") says since when, not that it is over: an onset word before
        it in the clause keeps the mention.
        """
        left, right = self.clause(doc, mention)
        return any(
            left <= start
            and end <= right
            and not any(t.lower_ in self.onset for t in doc[left:start])
            for start, end in past
        )

    def compares(self, doc: Doc, i: int) -> bool:
        """Whether token ``i`` is inside a comparison ("numb like after the dentist")."""
        for j in range(i - 1, max(-1, i - 1 - COMPARISON_REACH), -1):
            if doc[j].lower_ in self.comparisons:
                return True
            if self.is_boundary(doc, j):
                return False
        return False

    def past_spans(self, doc: Doc) -> list[tuple[int, int]]:
        """Token spans of past-time or resolved markers ("back in 2019", "used to")."""
        return [(start, end) for _, start, end in self.past(doc)]

    def about_someone_else(
        self, doc: Doc, mention: Mention, *, contrasted: bool
    ) -> bool:
        """Whether a mention's clause is about another person.

        Only asked when the message also speaks of the writer's own cramp ("my dad
        has diabetes but I'm asking about me", "my mum takes statins, I've just got a
        cramp"); a message written wholly for someone else ("my mum's calf is hot") is
        their report. With an explicit contrast any other person in the clause
        counts; otherwise only one who has, takes or is something ("my sister gets
        cramps every night", "my brother in Leeds couldn't walk") or whose thing it is
        ("my boyfriend's shin", "my gfs toes"). A first-person word between the other
        person and the mention makes it the writer's again ("my dad says I can't walk").
        """
        left = mention.start
        while left > 0 and not self.is_boundary(doc, left - 1):
            left -= 1
        for token in doc[left : mention.start]:
            word = token.lower_
            plural_owner = self.plural_owner(doc, token.i)
            if word not in self.other_people and not plural_owner:
                continue
            between = doc[token.i + 1 : mention.start]
            if any(t.lower_ in self.first_person for t in between):
                continue
            if contrasted or word in self.other_possessives:
                return True
            if plural_owner:  # "my sisters ankle": hers (or theirs)
                return True
            # The predicate may be part of the mention ("my dog can't walk").
            following = []
            for later in doc[token.i + 1 : token.i + 1 + PREDICATE_REACH]:
                if later.lower_ in self.first_person or self.is_boundary(doc, later.i):
                    break
                following.append(later.lower_)
            if following and following[0] in {"'s", "s", "’s"}:
                return True
            # Someone who noticed or said something ("my hubby spotted a dark mark on
            # the back of my leg") is reporting, not having it, unless what they
            # report is theirs ("my dad says he can't walk").
            if following and following[0] in self.observer_verbs:
                if any(t.lower_ in self.third_person for t in between):
                    return True
                continue
            if any(word in self.other_predicates for word in following):
                return True
        return False

    def plural_owner(self, doc: Doc, i: int) -> bool:
        """Whether a possessive is written without apostrophe ("my gfs toes").

        Another person's word with an "s", followed by a leg part; "my mates and I"
        or "the lads cant walk" are not possessives.
        """
        word = doc[i].lower_
        return (
            len(word) > 2
            and word.endswith("s")
            and (word in self.other_people or word[:-1] in self.other_people)
            and word not in self.first_person
            and i + 1 < len(doc)
            and doc[i + 1].lower_ in self.leg_parts
        )

    def speaks_of_self(self, doc: Doc) -> tuple[bool, bool]:
        """(contrasted, self-reported): whether the writer sets their own cramp apart.

        ``contrasted``: an explicit "I'm asking about me"; self-reported: the writer
        mentions their own cramp at all ("my hamstring cramped").
        """
        contrasted = bool(len(self.self_contrast(doc)))
        return contrasted, contrasted or bool(len(self.self_report(doc)))
