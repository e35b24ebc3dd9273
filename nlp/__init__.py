"""The assistant's own spaCy pipeline: red-flag detection in free text."""
