"""Rasa NLU components of the assistant (named in config.yml)."""
