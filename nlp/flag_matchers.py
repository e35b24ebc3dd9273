"""The matchers of the flags' wordings, compiled from ``red_flag_patterns.yml``.

One :class:`spacy.matcher.Matcher` for every flag's wordings by kind (``present``,
``unsure``, ``absent`` and ``other_sense``), a phrase matcher for its misspellings, and
one matcher each for its ``vetoes`` and ``topics``. What a match means is decided by
:mod:`nlp.red_flags`; this module only compiles them, as spaCy keeps its matcher apart
from the entity ruler that uses it.
"""

import dataclasses
from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher

from nlp.anchored_matcher import AnchoredMatcher
from nlp.mentions import ABSENT, PRESENT, UNSURE
from nlp.wordings import WordingCompiler

KINDS: tuple[str, ...] = (PRESENT, UNSURE, ABSENT)
OTHER_SENSE = "other_sense"
"""Wordings of a flag's words in another sense ("cold feet", "popped to the shops"):
matched like the flag's own wordings, they remove the mentions they overlap."""


def flag_wordings(flags: dict[str, Any], section: str) -> Iterable[tuple[str, str]]:
    """``(key, wording)`` for every flag's ``section`` words (``vetoes``, ``topics``)."""
    for flag, lists in flags.items():
        for index, entry in enumerate((lists.get(section) or {}).get("words") or []):
            yield f"{flag}|{section}|{index}", entry


@dataclasses.dataclass(frozen=True)
class FlagMatchers:
    """The compiled matchers and what each match key stands for."""

    matcher: AnchoredMatcher
    """Every flag's wordings. Only the patterns whose words occur are tried, and the
    matches do not come in a ``Matcher``'s order (the reader puts them in its own)."""
    phrase_matcher: PhraseMatcher
    mention_keys: dict[int, tuple[str, str, bool]]
    """Match key -> (flag, kind, whether the wording spells a negation itself)."""
    veto_matcher: Matcher
    """A flag's ``vetoes``: words anywhere in the message that explain its wording
    away ("beetroot" for red urine, "ice pack" for a cold leg)."""
    topic_matcher: Matcher
    """A flag's ``topics``: words that name what the flag is about ("wee", "pee" for
    dark urine). In a message that voices doubt and names the topic, a flag not
    otherwise found is unsure ("not sure if it's brown or just dark yellow")."""
    section_flags: dict[int, str]
    """Veto or topic match key -> its flag."""

    @classmethod
    def build(
        cls,
        nlp: Language,
        flags: dict[str, Any],
        compiler: WordingCompiler,
        *,
        validate: bool = False,
    ) -> "FlagMatchers":
        """Compile every flag's wordings, misspellings, vetoes and topics."""
        vocab = nlp.vocab
        mention_keys: dict[int, tuple[str, str, bool]] = {}
        wordings: list[tuple[str, str]] = []
        phrase_matcher = PhraseMatcher(vocab, attr="LOWER")
        for flag, lists in flags.items():
            for kind in (*KINDS, OTHER_SENSE):
                kind_lists = lists.get(kind) or {}
                for index, entry in enumerate(kind_lists.get("words") or []):
                    key = f"{flag}|{kind}|w{index}"
                    wordings.append((key, entry))
                    literal = compiler.spells_negation(entry)
                    mention_keys[vocab.strings.add(key)] = (flag, kind, literal)
                phrases = kind_lists.get("phrases") or []
                if phrases:
                    key = f"{flag}|{kind}|phrases"
                    docs = [nlp.make_doc(phrase.lower()) for phrase in phrases]
                    phrase_matcher.add(key, docs)
                    literal = any("n't" in p or "nt " in p for p in phrases)
                    mention_keys[vocab.strings[key]] = (flag, kind, literal)
        vetoes = list(flag_wordings(flags, "vetoes"))
        topics = list(flag_wordings(flags, "topics"))
        return cls(
            matcher=compiler.anchored_matcher(wordings, validate=validate),
            phrase_matcher=phrase_matcher,
            mention_keys=mention_keys,
            veto_matcher=compiler.matcher(vetoes, validate=validate),
            topic_matcher=compiler.matcher(topics, validate=validate),
            section_flags={
                vocab.strings[key]: key.split("|", 1)[0] for key, _ in vetoes + topics
            },
        )
