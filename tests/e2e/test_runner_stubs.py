"""Rasa Pro's ``stub_custom_actions``: stubs for a file and for one case.

Stubbed actions are answered by the runner's stub server; the scripted fake Rasa
server (``tests/e2e/utils/fake_rasa.py``) calls it, so these tests need no model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.case_files import load_suite, stubs_for
from e2e.cases import CaseFileError, Suite
from e2e.cli import main, without_stubbed_cases
from e2e.report import console_summary
from e2e.runner import SuiteResult
from tests.e2e.utils.case_yaml import load_cases, write_cases
from tests.e2e.utils.fake_rasa import run_against_fake
from tests.e2e.utils.sample_cases import STUBS
from tests.e2e.utils.settings import FAKE_RASA_PORT, STUB_PORT

PLAIN = """
    test_cases:
      - test_case: third
        steps:
          - user: "fallback"
          - utter: utter_ask_rephrase
"""
"""A case of another file that runs ``action_handle_fallback`` unstubbed."""


def test_stubs_apply_to_the_file_and_a_case_can_have_its_own(tmp_path: Path) -> None:
    first, second = load_cases(tmp_path, STUBS).cases
    assert first.stubs["action_handle_fallback"].responses[0]["text"] == (
        "Stubbed for the file."
    )
    assert second.stubs["action_handle_fallback"].responses[0]["text"] == (
        "Stubbed for the second case."
    )
    assert stubs_for("third", {}) == {}
    with pytest.raises(CaseFileError, match="names test case 'nobody'"):
        load_cases(tmp_path, STUBS.replace("second::", "nobody::"))
    with pytest.raises(CaseFileError, match="'events:' is a list of tracker events"):
        load_cases(tmp_path, STUBS.replace("- event: slot", "- slot: x"))


def test_stubbed_actions_are_answered_from_the_file_and_others_forwarded(
    tmp_path: Path,
) -> None:
    stubbed = load_cases(tmp_path, STUBS)
    plain = load_cases(tmp_path, PLAIN, name="plain.yml")
    outcome, fake = run_against_fake(Suite(cases=stubbed.cases + plain.cases))
    results = {r.case.name: r for r in outcome.results}
    assert all(r.passed for r in results.values()), {
        n: [f.describe() for f in r.failures] + [r.error or ""]
        for n, r in results.items()
    }
    # Only the unstubbed conversation reached the action server, token and all.
    assert fake.action_calls == ["action_handle_fallback"]


def test_stubbed_cases_are_skipped_without_a_stub_server(tmp_path: Path) -> None:
    suite = load_suite(
        [
            write_cases(tmp_path, STUBS),
            write_cases(
                tmp_path,
                "test_cases:\n  - test_case: plain\n    steps:\n      - user: hi\n",
                name="plain.yml",
            ),
        ]
    )
    kept, skipped = without_stubbed_cases(suite, stub_port=None)
    assert [c.name for c in kept.cases] == ["plain"]
    assert skipped == ["first", "second"]
    assert without_stubbed_cases(suite, stub_port=STUB_PORT) == (suite, [])
    outcome = SuiteResult([], 0.1, "http://x", skipped=skipped)
    assert console_summary(outcome).splitlines()[-1] == "0 passed, 0 failed, 2 skipped"


def test_stubbed_cases_fail_with_a_clear_message_without_a_stub_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("E2E_STUB_PORT", raising=False)
    path = write_cases(tmp_path, STUBS)
    url = f"http://127.0.0.1:{FAKE_RASA_PORT}"  # never reached: it stops before
    code = main(["run", str(path), "--no-domain-check", "--url", url])
    assert code == 2
    assert "--stub-port" in capsys.readouterr().err
