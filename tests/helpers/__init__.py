"""Helpers shared by the tests of several folders (importable, unlike conftest.py)."""
