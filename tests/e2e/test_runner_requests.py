"""What the runner sends to the assistant, and how it reports a refusal.

Message metadata, fixtures, ``--fail-fast``, the HTTP API and REST tokens, against the
scripted fake Rasa server (``tests/e2e/utils/fake_rasa.py``), so these tests need no
model; and where the URL and token come from.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.cli import build_parser
from e2e.runner import AuthError
from tests.e2e.utils.case_yaml import load_cases, one_case
from tests.e2e.utils.fake_rasa import run_against_fake
from tests.e2e.utils.sample_cases import METADATA


def test_metadata_is_sent_with_each_message(tmp_path: Path) -> None:
    outcome, fake = run_against_fake(load_cases(tmp_path, METADATA))
    assert outcome.failed == 0, [r.failures for r in outcome.results]
    assert [body.get("metadata") for body in fake.received] == [
        {"language": "English", "location": "Leeds", "os": "linux"},
        {"language": "English", "location": "Europe"},
    ]


def test_fixtures_are_appended_after_the_session_started(tmp_path: Path) -> None:
    suite = load_cases(
        tmp_path,
        one_case(
            """
            - slot_was_set:
                - clinic_name: Riverside
            - user: "hi"
            """,
            fixtures={"clinic": {"clinic_name": "Riverside"}},
        ),
    )
    outcome, fake = run_against_fake(suite)
    assert outcome.failed == 0, [r.failures for r in outcome.results]
    # One conversation: the one the REST channel filed the messages under.
    ((conversation, events),) = fake.trackers.items()
    (result,) = outcome.results
    assert conversation == result.conversation_id == f"rest:{result.sender}"
    kinds = [(e["event"], e.get("name")) for e in events]
    # The last copy of the fixture comes after the session start, so a store that
    # loads only the latest session still has it.
    started = kinds.index(("session_started", None))
    assert ("slot", "clinic_name") in kinds[started:]


def test_fail_fast_starts_no_case_after_a_failure(tmp_path: Path) -> None:
    cases = "".join(
        f"""
          - test_case: case_{n}
            steps:
              - user: "hi"
              - utter: {"utter_goodbye" if n == 0 else "utter_greet"}
        """
        for n in range(4)
    )
    suite = load_cases(tmp_path, "test_cases:" + cases)
    outcome, _ = run_against_fake(suite, fail_fast=True, workers=1)
    assert [r.case.name for r in outcome.results] == ["case_0"]
    assert outcome.not_run == 3
    outcome, _ = run_against_fake(suite, workers=1)
    assert (outcome.passed, outcome.failed, outcome.not_run) == (3, 1, 0)


def test_a_wrong_token_is_reported_as_such(tmp_path: Path) -> None:
    suite = load_cases(
        tmp_path, "test_cases:\n  - test_case: c\n    steps:\n      - user: hi\n"
    )
    with pytest.raises(
        AuthError, match="HTTP 401: the assistant refused a wrong token"
    ):
        run_against_fake(suite, token="wrong")
    with pytest.raises(AuthError, match="refused no token.*E2E_TOKEN"):
        run_against_fake(suite, token="")


def test_a_rest_channel_token_is_sent_and_its_refusal_explained(tmp_path: Path) -> None:
    suite = load_cases(
        tmp_path,
        "test_cases:\n  - test_case: c\n    steps:\n      - user: hi\n      - utter: utter_greet\n",
    )
    outcome, _ = run_against_fake(suite, fake_rest_token="rest", rest_token="rest")
    assert outcome.passed == 1
    with pytest.raises(AuthError, match="refused no REST token.*--rest-token"):
        run_against_fake(suite, fake_rest_token="rest")
    with pytest.raises(AuthError, match="refused a wrong REST token"):
        run_against_fake(suite, fake_rest_token="rest", rest_token="nope")


def test_url_and_token_default_to_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("E2E_URL", "http://127.0.0.1:5215")
    monkeypatch.setenv("E2E_TOKEN", "from-env")
    args = build_parser().parse_args(["run"])
    assert (args.url, args.token) == ("http://127.0.0.1:5215", "from-env")
    monkeypatch.delenv("E2E_URL")
    monkeypatch.delenv("E2E_TOKEN")
    args = build_parser().parse_args(["run"])
    assert (args.url, args.token) == ("http://localhost:5005", None)
