"""The assistant's own spaCy pipeline: red-flag detection in free text.

Importing the package registers the pipeline's two spaCy factories
(``hamstring_red_flags`` and ``hamstring_flag_classifier``), so ``spacy.load`` of the
built pipeline works wherever ``nlp`` is importable.
"""

from nlp import flag_classifier, red_flags  # noqa: F401  (registers the factories)
