"""Helpers for the e2e runner's own tests."""
