"""Reading a red-flag pipeline's output in tests."""

from spacy.language import Language


def statuses(nlp: Language, text: str) -> dict[str, str]:
    """Flag id -> status for one text."""
    return {flag["flag"]: flag["status"] for flag in nlp(text)._.red_flags}


def wording_statuses(nlp: Language, text: str) -> dict[str, str]:
    """Flag id -> status as the wordings read it, without the second net's additions."""
    return {
        flag["flag"]: flag["status"]
        for flag in nlp(text)._.red_flags
        if flag.get("source") != "classifier"
    }
