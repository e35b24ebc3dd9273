"""Whether a red-flag mention is the writer's own report, today.

Read after the scope of each mention (:mod:`nlp.scope`) and configured by the same
``scope`` section of ``red_flag_patterns.yml``: a question about the topic ("do statins
cause cramps?"), another person's symptom beside the writer's own cramp ("my dad has
diabetes but I'm asking about me") and a past or resolved episode ("the chest pain I had
back in 2019") are not reports. Clause bounds come from :class:`nlp.scope.Scope`.
"""

import functools
import itertools
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from nlp.mentions import GenericCue, Mention
from nlp.scope import SENTENCE_ENDS, Scope
from nlp.wordings import (
    WordingCompiler,
    concept_words,
    lower_set,
    phrase_at,
    word_tuples,
)

GENERIC = "generic"
"""A question about the topic, not the writer's report ("do statins cause cramps?")."""
POINTING = "pointing"
"""A question pointing at the writer's own sign ("is this swelling?"): unsure."""
OUTLASTED_AFTER = 2
"""Words after a flag's mention where a sign of it outlasting its cause may start."""


class HistoryMatches:
    """One message's matches of the ``gone`` and ``denied_later`` wordings.

    Each matcher runs at most once per message, when a history item first asks.
    """

    def __init__(self, reports: "Reports", doc: Doc) -> None:
        self._reports = reports
        self._doc = doc

    @functools.cached_property
    def gone(self) -> list[tuple[str, int, int]]:
        """(key, start, end) of each "it went" wording."""
        return self._named(self._reports.gone)

    @functools.cached_property
    def denials(self) -> list[tuple[str, int, int]]:
        """(key, start, end) of each later denial ("I don't have it")."""
        return self._named(self._reports.denials_later)

    def _named(self, matcher: Any) -> list[tuple[str, int, int]]:
        strings = self._reports.nlp.vocab.strings
        return [(strings[key], start, end) for key, start, end in matcher(self._doc)]


class Reports:
    """Decides whether a mention is the writer's own, current report."""

    def __init__(
        self,
        nlp: Language,
        scope: dict[str, Any],
        compiler: WordingCompiler,
        clauses: Scope,
        *,
        validate: bool = False,
    ) -> None:
        """Build the question, self-report and past matchers and the people's words."""
        self.nlp = nlp
        self.clauses = clauses
        vocab = nlp.vocab

        def phrases(name: str) -> list[Doc]:
            return [nlp.make_doc(str(c).lower()) for c in scope.get(name) or []]

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
        self.on_behalf = compiler.matcher(
            ((f"on_behalf|{i}", e) for i, e in enumerate(scope.get("on_behalf") or [])),
            validate=validate,
        )
        self.past = compiler.matcher(
            ((f"past|{i}", e) for i, e in enumerate(scope.get("past") or [])),
            validate=validate,
        )
        feared = scope.get("feared") or {}
        self.feared = compiler.matcher(
            ((f"feared|{i}", e) for i, e in enumerate(feared.get("words") or [])),
            validate=validate,
        )
        self.feared_reach = int(feared.get("reach") or 0)
        self.never_feared = frozenset(feared.get("not_for") or ())
        self.onset = lower_set(scope.get("onset"))
        self.now_words = lower_set(scope.get("now_words"))
        self.back_references = word_tuples(nlp, scope.get("past_back_references"))
        self.first_person = lower_set(scope["first_person"])
        self.question_subjects = lower_set(scope["question_subjects"])
        self.question_words = lower_set(scope["question_words"])
        self.pointing_questions = word_tuples(nlp, scope.get("pointing_questions"))
        self.pointing_at_cramp = lower_set(scope.get("pointing_at_cramp"))
        self.other_people = lower_set(scope.get("other_people"))
        self.other_possessives = lower_set(scope.get("other_possessives"))
        self.other_predicates = lower_set(scope.get("other_predicates"))
        self.observer_verbs = lower_set(scope.get("observer_verbs"))
        self.third_person = lower_set(scope.get("third_person"))
        self.predicate_reach = int(scope["predicate_reach"])
        self.self_description = lower_set(scope["self_description"])
        self.articles = lower_set(scope["articles"])
        self.modifier_reach = int(scope["modifier_reach"])
        # Its words, with those of the concepts it names ({lower_limb}).
        self.leg_parts = lower_set(concept_words(compiler.concepts, "leg_part"))
        # Patterns saved before the ``resolved`` section read nothing as resolved.
        resolved = scope.get("resolved") or {}
        self.earlier = lower_set(resolved.get("earlier"))
        self.resolved_joins = lower_set(resolved.get("joins"))
        self.resolved_subjects = lower_set(resolved.get("subjects"))
        self.own_subjects = {
            flag: lower_set(words)
            for flag, words in (resolved.get("own_subjects") or {}).items()
        }
        gone_for = resolved.get("gone_for") or {}
        self.gone = compiler.matcher(
            itertools.chain(
                (("gone", e) for e in resolved.get("gone") or []),
                ((f"gone|{flag}", e) for flag, es in gone_for.items() for e in es),
            ),
            validate=validate,
        )
        self.gone_trailing = lower_set(resolved.get("trailing"))
        denied_later = resolved.get("denied_later") or {}
        self.denied_later_flags = set(denied_later)
        self.denials_later = compiler.matcher(
            ((f"denied|{flag}", e) for flag, es in denied_later.items() for e in es),
            validate=validate,
        )
        self.resolved_flags = lower_set(resolved.get("flags"))
        retracted = scope.get("retracted_beliefs") or {}
        self.retraction_beliefs = word_tuples(nlp, retracted.get("belief"))
        self.retractions = word_tuples(nlp, retracted.get("retractions"))
        self.not_retracting = lower_set(retracted.get("not_retracting"))
        withdrawn = scope.get("withdrawn_causes") or {}
        self.withdrawn_reach = int(withdrawn.get("reach") or 0)
        self.belief = PhraseMatcher(vocab, attr="LOWER")
        self.belief.add(
            "belief",
            [nlp.make_doc(str(c).lower()) for c in withdrawn.get("belief") or []],
        )
        self.outlasted = compiler.matcher(
            (("outlasted", e) for e in withdrawn.get("outlasted") or []),
            validate=validate,
        )

    def reports(
        self, doc: Doc, mentions: list[Mention], generic: list[GenericCue]
    ) -> tuple[list[Mention], set[str], set[Mention]]:
        """The mentions that are the writer's report (not questions, others, the past).

        Also returns the flags whose words were someone else's ("my dad takes water
        tablets, I'm not on any") or taken back, and the mentions reported only as
        unsure: those a question points at ("is this swelling?") and those the writer
        fears may come ("will I start getting them every night now?").
        """
        kinds = {m: self.question_kind(doc, m, generic) for m in mentions}
        mentions = [m for m in mentions if kinds[m] != GENERIC]
        only_unsure = {m for m in mentions if kinds[m] == POINTING}
        only_unsure |= self.feared_mentions(doc, mentions)
        contrasted, self_reported = self.speaks_of_self(doc)
        others: set[str] = set()
        if self_reported:
            theirs = [
                m
                for m in mentions
                if self.about_someone_else(doc, m, contrasted=contrasted)
            ]
            others = {m.flag for m in theirs}
            mentions = [m for m in mentions if m not in theirs]
        # A sign taken back ("I thought my foot looked blue, but it was just the
        # light") is set aside like someone else's: the second net may not add it.
        retracted = [m for m in mentions if self.retracted(doc, m)]
        others |= {m.flag for m in retracted}
        mentions = [m for m in mentions if m not in retracted]
        past = self.past_spans(doc)
        if past:
            mentions = [m for m in mentions if not self.in_past(doc, m, past)]
        return mentions, others, only_unsure

    def feared_mentions(self, doc: Doc, mentions: list[Mention]) -> set[Mention]:
        """Mentions the writer fears may come, not ones they report.

        "will I start getting them every night now?", "scared I'll end up not able to
        walk": a ``feared`` wording at most ``reach`` words before the mention, in its
        clause. The person does not say the sign is there, nor that it is not, so it
        is asked about. Never an emergency sign (``not_for``): "will I start coughing
        up blood again" reports the cough.
        """
        spans = [(start, end) for _, start, end in self.feared(doc)]
        if not spans:
            return set()
        feared = set()
        for mention in mentions:
            if mention.flag in self.never_feared:
                continue
            left, _ = self.clauses.clause(doc, mention)
            if any(
                left <= start and 0 <= mention.start - end <= self.feared_reach
                for start, end in spans
            ):
                feared.add(mention)
        return feared

    def generic_cues(self, doc: Doc) -> list[GenericCue]:
        """Question cues in ``doc``: (kind, start, end)."""
        return [
            (self.nlp.vocab.strings[key], start, end)
            for key, start, end in self.generic_matcher(doc)
        ]

    def is_generic_question(
        self, doc: Doc, mention: Mention, generic: list[GenericCue]
    ) -> bool:
        """A question about the topic, not about the person ("do statins cause cramps")."""
        return self.question_kind(doc, mention, generic) == GENERIC

    def question_kind(
        self, doc: Doc, mention: Mention, generic: list[GenericCue]
    ) -> str | None:
        """Whether the mention's sentence asks about the topic or points at a sign.

        ``GENERIC``: a question about the topic, not about the person ("do statins
        cause cramps"). The sentence holds a generic-question cue (a leading "do",
        "can", "is" ... or "difference between", "side effect of", "cause" ...)
        outside the mention, and no first-person word. A sentence that asks how to
        tell conditions apart ("how can I tell whether I tore it or it cramped") is a
        question about the topic even in the first person.

        ``POINTING``: the sentence opens with one of ``pointing_questions`` before the
        mention and holds no first-person word ("is this swelling?"): a question about
        the writer's own sign. With a first-person word the sentence is a report
        either way, and the answer is ``None``.
        """
        left, right = self.clauses.sentence(doc, mention)
        for key, start, end in generic:
            if key == "telling_apart" and start == left and end <= mention.start:
                return GENERIC
        if any(t.lower_ in self.first_person for t in doc[left:right]):
            return None
        if self.points_at(doc, mention, left, right):
            return POINTING
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
                return GENERIC
            if key == "generic_question" and left <= start and end <= right and outside:
                return GENERIC
        return None

    def retracted(self, doc: Doc, mention: Mention) -> bool:
        """Whether the writer believed in the sign and takes it back in the next clause.

        "I thought my foot looked blue, but it was just the light": a belief wording
        before the mention in its clause, and the next clause opens with a retraction
        whose own clause holds no word saying the sign stayed ("... but no, it's still
        huge").
        """
        left, right = self.clauses.clause(doc, mention)
        if not any(
            phrase_at(doc, i, self.retraction_beliefs)
            for i in range(left, mention.start)
        ):
            return False
        i = self.next_clause(doc, right)
        length = phrase_at(doc, i, self.retractions) if i != right else 0
        if not length:
            return False
        stays = doc[i + length : self.clause_end(doc, i + length)]
        return not any(t.lower_ in self.not_retracting for t in stays)

    def points_at(self, doc: Doc, mention: Mention, left: int, right: int) -> bool:
        """Whether the sentence ``doc[left:right]`` opens by pointing at the mention.

        Not when it names a cramp as one of the answers ("is this just a cramp or a
        pulled muscle?" asks how to tell them apart).
        """
        length = phrase_at(doc, left, self.pointing_questions)
        return (
            bool(length)
            and left + length <= mention.start
            and not any(t.lower_ in self.pointing_at_cramp for t in doc[left:right])
        )

    def in_past(self, doc: Doc, mention: Mention, past: list[tuple[int, int]]) -> bool:
        """Whether a past-time or resolved marker dates the mention's clause.

        A marker that dates a beginning ("started a statin last month", "the cramps
        began last year") says since when, not that it is over: an onset word before
        it in the clause keeps the mention, and so does a present-time word between the
        marker and the end of the mention ("years back ..., and now the foot's pale").
        """
        left, right = self.clauses.clause(doc, mention)
        return any(
            left <= start
            and end <= right
            and not any(t.lower_ in self.onset for t in doc[left:start])
            and not any(t.lower_ in self.now_words for t in doc[end : mention.end])
            for start, end in past
        ) or self.dated_after(doc, right, past)

    def dated_after(self, doc: Doc, right: int, past: list[tuple[int, int]]) -> bool:
        """Whether the next clause dates this one ("..., but that was years ago").

        It opens (after a boundary and joining words) with a back reference, and a
        past-time marker follows in that clause.
        """
        i = self.next_clause(doc, right)
        if i == right:
            return False
        start = i + phrase_at(doc, i, self.back_references)
        if start == i:
            return False
        end = self.clause_end(doc, start)
        return any(start <= s and e <= end for s, e in past)

    def next_clause(self, doc: Doc, right: int) -> int:
        """Where the clause after the one ending at ``right`` starts.

        Past the boundary and up to three joining words ("but", "and now"); ``right``
        itself when no boundary follows.
        """
        i = right
        while i < len(doc) and i - right < 3:
            if not (
                self.clauses.is_boundary(doc, i) or doc[i].lower_ in self.resolved_joins
            ):
                break
            i += 1
        return i

    def history(self, doc: Doc) -> HistoryMatches:
        """The ``gone`` and ``denied_later`` matches of ``doc``, found on first use."""
        return HistoryMatches(self, doc)

    def resolved(self, doc: Doc, mention: Mention, history: HistoryMatches) -> bool:
        """Whether the clause after a past history item says it has gone.

        "I was on water tablets but my GP took me off them": the mention's clause
        speaks of earlier, and the next clause, about "it", "that", nothing or the
        item's own subject, says it went and no more. Another thing gone ("on statins
        but the cramp's gone") resolves nothing; only the scope's ``resolved.flags``
        (history items, not this episode's signs) are read.
        """
        if mention.flag not in self.resolved_flags:
            return False
        left, right = self.clauses.clause(doc, mention)
        if not any(t.lower_ in self.earlier for t in doc[left:right]):
            return False
        i = self.next_clause(doc, right)
        if i == right or i >= len(doc):
            return False
        start = i
        if doc[i].lower_ in self.resolved_subjects:
            start = i + 1
        else:
            j = i + 1 if doc[i].lower_ in self.articles | {"my"} else i
            if j < len(doc) and doc[j].lower_ in self.own_subjects.get(
                mention.flag, ()
            ):
                start = j + 1
        keys = ("gone", f"gone|{mention.flag}")
        return any(
            begin == start and key in keys and self.ends_clause(doc, end)
            for key, begin, end in history.gone
        )

    def denied_later(self, doc: Doc, mention: Mention, history: HistoryMatches) -> bool:
        """Whether a history item is denied by a pronoun later in its sentence.

        "Diabetes runs in my family, but I've been tested and I don't have it", "my
        mate said statins cause cramps, I'm not on them": one of the flag's
        ``resolved.denied_later`` wordings after the mention, with nothing but
        ``trailing`` words after it in its clause ("I don't have it under control"
        denies nothing).
        """
        if mention.flag not in self.denied_later_flags:
            return False
        _, right = self.clauses.sentence(doc, mention)
        key = f"denied|{mention.flag}"
        return any(
            mention.end <= begin
            and end <= right
            and found == key
            and self.ends_clause(doc, end)
            for found, begin, end in history.denials
        )

    def ends_clause(self, doc: Doc, i: int) -> bool:
        """Whether only ``trailing`` words follow token ``i`` to its clause's end."""
        return all(
            t.lower_ in self.gone_trailing or t.like_num
            for t in doc[i : self.clause_end(doc, i)]
        )

    def clause_end(self, doc: Doc, i: int) -> int:
        """The first clause boundary at or after token ``i`` (``len(doc)`` if none)."""
        while i < len(doc) and not self.clauses.is_boundary(doc, i):
            i += 1
        return i

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
        while left > 0 and not self.clauses.is_boundary(doc, left - 1):
            left -= 1
        for token in doc[left : mention.start]:
            word = token.lower_
            plural_owner = self.plural_owner(doc, token.i)
            if word not in self.other_people and not plural_owner:
                continue
            if self.self_described(doc, token.i):
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
            for later in doc[token.i + 1 : token.i + 1 + self.predicate_reach]:
                if later.lower_ in self.first_person or self.clauses.is_boundary(
                    doc, later.i
                ):
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

    def withdrawal_cues(self, doc: Doc) -> tuple[list[int], list[int]]:
        """Where the belief words end and the outlasted wordings start in ``doc``.

        Read once per message and handed to :meth:`cause_withdrawn` for each of its
        harmless causes ("ice pack ... ice bath" has two).
        """
        return (
            [b_end for _, _, b_end in self.belief(doc)],
            [o_start for _, o_start, _ in self.outlasted(doc)],
        )

    def cause_withdrawn(
        self,
        doc: Doc,
        flag: str,
        start: int,
        mentions: list[Mention],
        cues: tuple[list[int], list[int]],
    ) -> bool:
        """Whether the harmless cause at token ``start`` no longer explains ``flag``.

        The writer no longer believes it ("I thought it was the ice pack": a belief
        word shortly before it, in its sentence), or the sign has outlasted it ("it's
        been two hours and my foot is still white", "grey and cold even two hours
        out of the ice bath": a wording of ``outlasted`` shortly before one of the
        flag's mentions, inside it or just after it; "white from the ice pack,
        hamstring still tight" is about the hamstring). ``cues`` is
        :meth:`withdrawal_cues` of ``doc``.
        """
        reach = self.withdrawn_reach
        belief_ends, outlasted_starts = cues
        for b_end in belief_ends:
            if b_end <= start and start - b_end <= reach:
                between = doc[b_end:start]
                if not any(t.text in SENTENCE_ENDS for t in between):
                    return True
        spans = [(m.start, m.end) for m in mentions if m.flag == flag]
        return any(
            m_start - reach <= o_start <= m_end + OUTLASTED_AFTER
            for o_start in outlasted_starts
            for m_start, m_end in spans
        )

    def speaks_of_self(self, doc: Doc) -> tuple[bool, bool]:
        """(contrasted, self-reported): whether the writer sets their own cramp apart.

        ``contrasted``: an explicit "I'm asking about me"; self-reported: the writer
        mentions their own cramp at all ("my hamstring cramped") and does not say
        they write for someone else ("writing for my husband", "I'm fine, just worried").
        """
        contrasted = bool(len(self.self_contrast(doc)))
        if contrasted:
            return True, True
        if len(self.on_behalf(doc)):
            return False, False
        return False, bool(len(self.self_report(doc)))

    def self_described(self, doc: Doc, i: int) -> bool:
        """Whether the person word at ``i`` is the writer describing themselves.

        "I'm a woman and can't put weight on it", "as a rugby player I can't stand": an
        article at most ``modifier_reach`` words before it, and a ``self_description``
        word ("I'm", "am", "as", "being") before that.
        """
        for k in range(i - 1, max(i - 2 - self.modifier_reach, -1), -1):
            if doc[k].lower_ in self.articles:
                return k > 0 and doc[k - 1].lower_ in self.self_description
        return False
