"""End-to-end conversation tests for a running Rasa Open Source assistant.

Rasa Open Source's ``rasa test`` replays stories without running custom actions, so it
cannot show that the real action server blocks remedy advice after a red flag. This
package drives the running assistant through its REST channel, reads what happened from
the tracker HTTP API, and checks test cases written in Rasa Pro's end-to-end format
(plus a few triage assertions). See ``e2e/README.md``.
"""
