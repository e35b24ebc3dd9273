"""The clinical safety console: a web console for the clinic's staff.

It reads the conversations that Rasa's ``SQLTrackerStore`` writes (read-only) and keeps
its own tables (staff accounts, sessions, reviews, audit log) in a database of its own.
``python -m console --help`` lists its commands; ``console/README.md`` describes it.
"""
