"""Tests of the e2e runner (the conversation cases themselves are the *.yml files here)."""
