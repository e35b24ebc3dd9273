"""Rasa Pro's e2e features in the runner, each shown passing and failing.

Assertions, their order, metadata, stubs, fixtures, ``file::case``, ``--fail-fast``,
YAML results, the domain check and the token message.

Matching is tested on transcripts shaped like Rasa 3.6 tracker events; what the
runner sends and how it answers stubbed actions is tested against a scripted fake
Rasa server (``tests/e2e/utils/fake_rasa.py``), so these tests need no model.
"""

from __future__ import annotations

import asyncio
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from e2e.case_files import load_suite, stubs_for
from e2e.cases import CaseFileError, Suite, TestCase
from e2e.checking import check_all
from e2e.cli import build_parser, main
from e2e.domain_check import check_suite, load_domain
from e2e.report import write_yaml_results
from e2e.runner import AuthError, CaseResult, SuiteResult, run_suite
from e2e.transcript import Turn
from tests.e2e.utils.case_yaml import one_case, write_cases
from tests.e2e.utils.fake_rasa import TOKEN, FakeRasa

PROJECT = Path(__file__).resolve().parents[2]
STUB_PORT = int(os.environ.get("E2E_STUB_PORT", "5217"))
FAKE_RASA_PORT = int(os.environ.get("E2E_FAKE_RASA_PORT", "5218"))
FAKE_ACTIONS_PORT = int(os.environ.get("E2E_FAKE_ACTIONS_PORT", "5219"))

SESSION = [
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    {"event": "action", "name": "action_listen"},
]

BUTTONS = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
]


def load(tmp_path: Path, body: str) -> Suite:
    return load_suite([write_cases(tmp_path, body)])


def bruising_turn(*, buttons: list[dict[str, str]] | None = None) -> Turn:
    """A turn where bruising raised the level and the next question was asked."""
    return Turn(
        user="bruising",
        events=[
            {"event": "user", "text": "bruising"},
            {"event": "action", "name": "action_record_red_flags"},
            {"event": "slot", "name": "screen_bruising", "value": "present"},
            {"event": "slot", "name": "triage_level", "value": "see_doctor"},
            {"event": "action", "name": "screening_form"},
            {
                "event": "bot",
                "text": "Do you have chest pain right now?",
                "data": {"buttons": BUTTONS if buttons is None else buttons},
                "metadata": {"utter_action": "utter_ask_chest_pain"},
            },
            {"event": "action", "name": "action_listen"},
        ],
        slots={"triage_level": "see_doctor"},
    )


ALL_ASSERTIONS = one_case(
    """
    - user: "bruising"
      assertions:
        - action_executed: action_record_red_flags
        - slot_was_set:
            - name: screen_bruising
              value: present
            - name: triage_level
        - slot_was_not_set:
            - name: screen_chest_pain
            - name: triage_level
              value: self_care
        - bot_uttered:
            utter_name: utter_ask_chest_pain
            text_matches: "chest pain"
            buttons:
              - title: "Yes"
                payload: "/affirm"
              - title: "No"
                payload: "/deny"
        - bot_did_not_utter:
            utter_name: utter_remedy_stretch
            text_matches: "(?i)stretch"
    """
)


def test_every_assertion_type_passes_on_a_turn_that_matches(tmp_path: Path) -> None:
    case = load(tmp_path, ALL_ASSERTIONS).cases[0]
    assert case.uses_assertions
    kinds = [a.kind for a in case.steps[0].assertions or ()]
    assert kinds == [
        "action_executed",
        "slot_was_set",
        "slot_was_set",
        "slot_was_not_set",
        "slot_was_not_set",
        "bot_uttered",
        "bot_did_not_utter",
    ]
    assert (
        check_all(case, [Turn(user=None, events=list(SESSION)), bruising_turn()]) == []
    )


@pytest.mark.parametrize(
    ("old", "new", "failing"),
    [
        (
            "action_executed: action_record_red_flags",
            "action_executed: action_x",
            "action_executed",
        ),
        ("value: present", "value: absent", "slot_was_set"),
        ("name: screen_chest_pain", "name: screen_bruising", "slot_was_not_set"),
        ("value: self_care", "value: see_doctor", "slot_was_not_set"),
        (
            "utter_name: utter_ask_chest_pain",
            "utter_name: utter_ask_bruising",
            "bot_uttered",
        ),
        ('text_matches: "chest pain"', 'text_matches: "^chest"', "bot_uttered"),
        ('payload: "/deny"', 'payload: "/no"', "bot_uttered"),
        (
            "utter_name: utter_remedy_stretch",
            "utter_name: utter_ask_chest_pain",
            "bot_did_not_utter",
        ),
        (
            'text_matches: "(?i)stretch"',
            'text_matches: "(?i)CHEST"',
            "bot_did_not_utter",
        ),
    ],
)
def test_each_assertion_type_fails_when_the_turn_differs(
    tmp_path: Path, old: str, new: str, failing: str
) -> None:
    assert old in ALL_ASSERTIONS
    case = load(tmp_path, ALL_ASSERTIONS.replace(old, new, 1)).cases[0]
    failures = check_all(case, [Turn(user=None, events=list(SESSION)), bruising_turn()])
    assert [f.step.kind for f in failures] == [failing]
    assert failures[0].step.where.endswith(tuple(f":{n}" for n in range(5, 30)))


def test_bot_uttered_buttons_must_all_be_there(tmp_path: Path) -> None:
    case = load(tmp_path, ALL_ASSERTIONS).cases[0]
    one_button = bruising_turn(buttons=BUTTONS[:1])
    failures = check_all(case, [Turn(user=None, events=list(SESSION)), one_button])
    assert [f.step.kind for f in failures] == ["bot_uttered"]


def test_every_failing_assertion_of_a_turn_is_reported(tmp_path: Path) -> None:
    body = ALL_ASSERTIONS.replace("value: present", "value: absent").replace(
        "action_executed: action_record_red_flags", "action_executed: action_x"
    )
    case = load(tmp_path, body).cases[0]
    failures = check_all(case, [Turn(user=None, events=list(SESSION)), bruising_turn()])
    assert [f.step.kind for f in failures] == ["action_executed", "slot_was_set"]
    assert all(f.turn == 1 for f in failures)


def test_assertion_order_enabled_checks_the_order_written(tmp_path: Path) -> None:
    body = one_case(
        """
        - user: "bruising"
          assertion_order_enabled: {flag}
          assertions:
            - bot_uttered:
                utter_name: utter_ask_chest_pain
            - slot_was_set:
                - name: triage_level
                  value: see_doctor
        """
    )
    turns = [Turn(user=None, events=list(SESSION)), bruising_turn()]
    unordered = load(tmp_path, body.format(flag="false")).cases[0]
    assert check_all(unordered, turns) == []
    ordered = load(tmp_path, body.format(flag="true")).cases[0]
    failures = check_all(ordered, turns)
    assert [f.step.kind for f in failures] == ["slot_was_set"]
    assert "after the event" in failures[0].expected


GREETED = "- bot_uttered: {utter_name: utter_greet}"


@pytest.mark.parametrize(
    ("assertions", "then", "message"),
    [
        (
            "- flow_started: booking",
            "",
            r"cases.yml:7: 'flow_started' needs Rasa Pro's flows",
        ),
        ("- bot_said: hello", "", r"cases.yml:7: unknown assertion 'bot_said'"),
        ("- bot_uttered: {utter: utter_greet}", "", "unknown key.*utter"),
        ("- bot_uttered: {text_matches: '('}", "", "not a regular expression"),
        ("- slot_was_set: [triage_level]", "", r"items are '- name: slot'"),
        ("- action_executed:", "", "takes an action name"),
        # Classic steps beside assertions: Rasa Pro would ignore them.
        (GREETED, "- utter: utter_greet", "Rasa Pro ignores its 'utter:' steps"),
        (
            GREETED,
            "- slot_was_set: [triage_level]",
            "ignores its 'slot_was_set:' steps",
        ),
    ],
)
def test_wrong_assertions_and_steps_beside_them_are_errors_with_file_and_line(
    tmp_path: Path, assertions: str, then: str, message: str
) -> None:
    body = one_case(f'- user: "hi"\n  assertions:\n    {assertions}\n{then}')
    with pytest.raises(CaseFileError, match=message):
        load(tmp_path, body)


def test_named_metadata_of_the_case_and_the_step_are_merged(tmp_path: Path) -> None:
    suite = load(
        tmp_path,
        """
        metadata:
          - user_info:
              language: English
              location: Europe
          - device_info:
              os: linux
              location: Leeds
        test_cases:
          - test_case: case
            metadata: user_info
            steps:
              - user: "hi"
                metadata: device_info
              - user: "bye"
        """,
    )
    case = suite.cases[0]
    first, second = (s for s in case.steps if s.is_user)
    assert case.message_metadata(first) == {
        "language": "English",
        "location": "Leeds",
        "os": "linux",
    }
    assert case.message_metadata(second) == {
        "language": "English",
        "location": "Europe",
    }
    with pytest.raises(CaseFileError, match="cases.yml:3: unknown metadata 'nope'"):
        load(
            tmp_path,
            """
            test_cases:
              - test_case: case
                metadata: nope
                steps:
                  - user: "hi"
            """,
        )


STUBS = """
    stub_custom_actions:
      action_handle_fallback:
        events:
          - event: slot
            name: clinic_name
            value: Stub Clinic
        responses:
          - text: "Stubbed for the file."
      second::action_handle_fallback:
        events: []
        responses:
          - text: "Stubbed for the second case."
    test_cases:
      - test_case: first
        steps:
          - user: "fallback"
          - bot: "Stubbed for the file."
          - slot_was_set:
              - clinic_name: Stub Clinic
      - test_case: second
        steps:
          - user: "fallback"
          - bot: "Stubbed for the second case."
"""


def test_stubs_apply_to_the_file_and_a_case_can_have_its_own(tmp_path: Path) -> None:
    first, second = load(tmp_path, STUBS).cases
    assert first.stubs["action_handle_fallback"].responses[0]["text"] == (
        "Stubbed for the file."
    )
    assert second.stubs["action_handle_fallback"].responses[0]["text"] == (
        "Stubbed for the second case."
    )
    assert stubs_for("third", {}) == {}
    with pytest.raises(CaseFileError, match="names test case 'nobody'"):
        load(tmp_path, STUBS.replace("second::", "nobody::"))
    with pytest.raises(CaseFileError, match="'events:' is a list of tracker events"):
        load(tmp_path, STUBS.replace("- event: slot", "- slot: x"))


def test_a_path_can_name_one_case(tmp_path: Path) -> None:
    path = write_cases(tmp_path, STUBS)
    suite = load_suite([f"{path}::second"])
    assert [c.name for c in suite.cases] == ["second"]
    with pytest.raises(CaseFileError, match="no test case named third"):
        load_suite([f"{path}::third"])


# --- the domain check -------------------------------------------------------------


def test_the_project_suite_uses_only_names_from_the_domain() -> None:
    suite = load_suite([PROJECT / "tests" / "e2e"])
    assert check_suite(suite, load_domain(PROJECT / "domain")) == []


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            "- utter_not: utter_remdy_*",
            r"cases.yml:6: the glob 'utter_remdy_\*' matches no response",
        ),
        (
            "- utter: utter_causez",
            r"cases.yml:6: unknown response 'utter_causez' \(did you mean utter_causes",
        ),
        (
            "- slot_was_set:\n          - triage_levl: urgent",
            r"cases.yml:6: unknown slot 'triage_levl'",
        ),
        (
            "- user: /affirmm",
            r"cases.yml:6: unknown intent 'affirmm' \(did you mean affirm",
        ),
        (
            "- user: hi\n  assertions:\n  - action_executed: action_recrd_red_flags",
            r"cases.yml:8: unknown action 'action_recrd_red_flags'",
        ),
        (
            "- user: hi\n  assertions:\n  - bot_did_not_utter: {utter_name: utter_remedy}",
            r"cases.yml:8: unknown response 'utter_remedy'",
        ),
    ],
)
def test_unknown_names_are_errors_with_file_and_line(
    tmp_path: Path, step: str, message: str
) -> None:
    body = one_case('- user: "what causes hamstring cramps?"\n' + step)
    suite = load_suite([write_cases(tmp_path, body)])
    errors = check_suite(suite, load_domain(PROJECT / "domain"))
    assert len(errors) == 1, errors
    assert __import__("re").search(message, errors[0]), errors


def test_fixture_slots_and_stubbed_actions_are_checked(tmp_path: Path) -> None:
    body = STUBS.replace("action_handle_fallback:", "action_handle_fallbak:", 1)
    body = "fixtures:\n  - clinic:\n      - clinic_nam: X\n" + textwrap.dedent(body)
    body = body.replace(
        "  - test_case: first\n", "  - test_case: first\n    fixtures: [clinic]\n"
    )
    errors = check_suite(
        load_suite([write_cases(tmp_path, body)]), load_domain(PROJECT / "domain")
    )
    assert any("unknown custom action 'action_handle_fallbak'" in e for e in errors), (
        errors
    )
    assert any("unknown slot in fixture 'clinic': 'clinic_nam'" in e for e in errors), (
        errors
    )


def test_the_command_line_stops_on_domain_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_cases(
        tmp_path,
        one_case(
            """
            - user: "hi"
            - utter_not: utter_remdy_*
            """
        ),
    )
    url = f"http://127.0.0.1:{FAKE_RASA_PORT}"  # never reached: it stops before
    code = main(["run", str(path), "--domain", str(PROJECT / "domain"), "--url", url])
    err = capsys.readouterr().err
    assert code == 2
    assert "matches no response" in err and "1 name(s) not in the domain" in err


# --- results, defaults ------------------------------------------------------------


def test_yaml_results_are_split_into_passed_and_failed(tmp_path: Path) -> None:
    suite = load(tmp_path, ALL_ASSERTIONS.replace("value: present", "value: absent"))
    case = suite.cases[0]
    turns = [Turn(user=None, events=list(SESSION)), bruising_turn()]
    failed = CaseResult(case=case, sender="e2e-a", turns=turns)
    failed.failures = check_all(case, turns)
    passed = CaseResult(
        case=TestCase("other", case.steps[:0], (), case.where), sender="e2e-b"
    )
    write_yaml_results(SuiteResult([passed, failed], 1.0, "http://x"), tmp_path / "out")
    yaml = YAML(typ="safe")
    read = {
        name: yaml.load((tmp_path / "out" / name).read_text())["test_results"]
        for name in ("e2e_results.yml", "passed.yml", "failed.yml")
    }
    assert [e["name"] for e in read["passed.yml"]] == ["other"]
    assert [e["name"] for e in read["failed.yml"]] == ["case"]
    assert len(read["e2e_results.yml"]) == 2
    (failure,) = read["failed.yml"][0]["failures"]
    assert failure["step"] == "slot_was_set: name: screen_bruising, value: 'absent'"
    assert failure["turn"] == 1 and failure["line"].endswith("cases.yml:9")
    assert read["failed.yml"][0]["run"].endswith("cases.yml::case")
    assert read["failed.yml"][0]["conversation_id"] == "rest:e2e-a"


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


# --- against the scripted fake server -----------------------------------------------


def run_against_fake(
    suite: Suite,
    *,
    token: str = TOKEN,
    fake_rest_token: str | None = None,
    **options: Any,
) -> tuple[SuiteResult, FakeRasa]:
    fake = FakeRasa(
        port=FAKE_RASA_PORT,
        action_endpoint=f"http://127.0.0.1:{STUB_PORT}/webhook",
        actions_port=FAKE_ACTIONS_PORT,
        rest_token=fake_rest_token,
    )

    async def go() -> SuiteResult:
        await fake.start()
        try:
            return await run_suite(
                suite,
                url=f"http://127.0.0.1:{FAKE_RASA_PORT}",
                token=token,
                workers=options.pop("workers", 2),
                stub_port=STUB_PORT,
                actions_url=f"http://127.0.0.1:{FAKE_ACTIONS_PORT}",
                **options,
            )
        finally:
            await fake.stop()

    return asyncio.run(go()), fake


def test_metadata_is_sent_with_each_message(tmp_path: Path) -> None:
    suite = load(
        tmp_path,
        """
        metadata:
          - user_info: {language: English}
          - device_info: {os: linux}
        test_cases:
          - test_case: case
            metadata: user_info
            steps:
              - user: "hi"
                metadata: device_info
              - utter: utter_greet
              - user: "bye"
        """,
    )
    outcome, fake = run_against_fake(suite)
    assert outcome.failed == 0, [r.failures for r in outcome.results]
    assert [body.get("metadata") for body in fake.received] == [
        {"language": "English", "os": "linux"},
        {"language": "English"},
    ]


def test_fixtures_are_appended_after_the_session_started(tmp_path: Path) -> None:
    suite = load(
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


def test_stubbed_actions_are_answered_from_the_file_and_others_forwarded(
    tmp_path: Path,
) -> None:
    stubbed = load_suite([write_cases(tmp_path, STUBS)])
    plain = load_suite(
        [
            write_cases(
                tmp_path,
                """
                test_cases:
                  - test_case: third
                    steps:
                      - user: "fallback"
                      - utter: utter_ask_rephrase
                """,
                name="plain.yml",
            )
        ]
    )
    outcome, fake = run_against_fake(Suite(cases=stubbed.cases + plain.cases))
    results = {r.case.name: r for r in outcome.results}
    assert all(r.passed for r in results.values()), {
        n: [f.describe() for f in r.failures] + [r.error or ""]
        for n, r in results.items()
    }
    # Only the unstubbed conversation reached the action server, token and all.
    assert fake.action_calls == ["action_handle_fallback"]


def test_stubbed_cases_are_skipped_without_a_stub_server(tmp_path: Path) -> None:
    from e2e.cli import without_stubbed_cases
    from e2e.report import console_summary

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
    suite = load(tmp_path, "test_cases:" + cases)
    outcome, _ = run_against_fake(suite, fail_fast=True, workers=1)
    assert [r.case.name for r in outcome.results] == ["case_0"]
    assert outcome.not_run == 3
    outcome, _ = run_against_fake(suite, workers=1)
    assert (outcome.passed, outcome.failed, outcome.not_run) == (3, 1, 0)


def test_a_wrong_token_is_reported_as_such(tmp_path: Path) -> None:
    suite = load(
        tmp_path, "test_cases:\n  - test_case: c\n    steps:\n      - user: hi\n"
    )
    with pytest.raises(
        AuthError, match="HTTP 401: the assistant refused a wrong token"
    ):
        run_against_fake(suite, token="wrong")
    with pytest.raises(AuthError, match="refused no token.*E2E_TOKEN"):
        run_against_fake(suite, token="")


def test_a_rest_channel_token_is_sent_and_its_refusal_explained(tmp_path: Path) -> None:
    suite = load(
        tmp_path,
        "test_cases:\n  - test_case: c\n    steps:\n      - user: hi\n      - utter: utter_greet\n",
    )
    outcome, _ = run_against_fake(suite, fake_rest_token="rest", rest_token="rest")
    assert outcome.passed == 1
    with pytest.raises(AuthError, match="refused no REST token.*--rest-token"):
        run_against_fake(suite, fake_rest_token="rest")
    with pytest.raises(AuthError, match="refused a wrong REST token"):
        run_against_fake(suite, fake_rest_token="rest", rest_token="nope")
