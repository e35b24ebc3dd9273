"""Reading a red-flag pipeline's output in tests."""

from spacy.language import Language

from nlp.flag_classifier import FACTORY_NAME as CLASSIFIER


def statuses(nlp: Language, text: str) -> dict[str, str]:
    """Flag id -> status for one text."""
    return {flag["flag"]: flag["status"] for flag in nlp(text)._.red_flags}


def wording_statuses(nlp: Language, text: str) -> dict[str, str]:
    """Flag id -> status as the wordings read it, without the second net.

    The classifier is switched off, not filtered out afterwards: a wording's unsure
    reading that the classifier confirms as present is still the wording's unsure.
    """
    with nlp.select_pipes(disable=[CLASSIFIER]):
        return statuses(nlp, text)
