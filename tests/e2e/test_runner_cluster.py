"""What the runner needs beyond one Rasa server on its own store.

The conversation deleted from the tracker store (``conversation_deleted: true``), a
turn deleted before the runner could read it (checked on its REST replies; its
actions kept from the stub server's log), the HTTP API at another address than the
REST webhook (``--api-url``, as behind the cluster's nginx), the ``X-Conversation-Id``
header nginx routes by and its rate limit (HTTP 429: sent again). Checked on
transcripts and against the scripted fake Rasa server, so no model is needed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from e2e.case_files import load_suite
from e2e.cases import CaseFileError
from e2e.checking import check_all
from e2e.rasa_client import RasaClient
from e2e.runner import stored_after_deletion
from e2e.stubs import ActionCall
from e2e.transcript import Turn, transcript_lines
from tests.e2e.utils.case_yaml import one_case, write_cases
from tests.e2e.utils.events import bot, user
from tests.e2e.utils.fake_rasa import TOKEN, FakeRasa, run_against_fake
from tests.e2e.utils.settings import FAKE_RASA_PORT

DELETE_AND_GREET = """
    - user: "delete"
    - utter: utter_conversation_deleted
    - conversation_deleted: true
    - user: "hi"
    - utter: utter_greet
    """


def test_a_deleted_conversation_passes_and_one_still_stored_fails(
    tmp_path: Path,
) -> None:
    (case,) = load_suite([write_cases(tmp_path, one_case(DELETE_AND_GREET))]).cases

    def turn(text: str, response: str, still_stored: list[str] | None) -> Turn:
        events = [user(text, "greet"), bot(response)]
        return Turn(user=text, events=events, still_stored=still_stored)

    hello = turn("hi", "utter_greet", None)
    deleted = turn("delete", "utter_conversation_deleted", [])
    kept = turn("delete", "utter_conversation_deleted", ["hi", "delete"])

    assert check_all(case, [Turn(user=None), deleted, hello]) == []
    (failure,) = check_all(case, [Turn(user=None), kept, hello])
    assert (failure.step.kind, failure.turn) == ("conversation_deleted", 1)
    assert "no longer holds" in failure.expected
    assert failure.actual == "it still holds 2 user message(s): 'hi', 'delete'"
    notes = [text for speaker, text in transcript_lines([kept]) if speaker == "note"]
    assert notes == [
        "the tracker store still holds 2 user message(s) of the conversation"
    ]


def test_conversation_deleted_takes_only_true(tmp_path: Path) -> None:
    path = write_cases(
        tmp_path, one_case('- user: "delete"\n- conversation_deleted: no')
    )
    with pytest.raises(
        CaseFileError, match=r"cases.yml:6: 'conversation_deleted:' takes true"
    ):
        load_suite([path])


def test_the_runner_waits_for_the_deletion_then_the_next_message_starts_afresh(
    tmp_path: Path,
) -> None:
    suite = load_suite([write_cases(tmp_path, one_case(DELETE_AND_GREET))])

    outcome, _ = run_against_fake(suite)

    (result,) = outcome.results
    assert result.passed, [f.describe() for f in result.failures]
    assert result.turns[1].still_stored == []
    assert [e["text"] for e in result.turns[2].events if e["event"] == "user"] == ["hi"]


def test_a_conversation_that_stays_stored_is_reported_after_the_wait() -> None:
    async def go() -> list[str]:
        fake = FakeRasa(port=FAKE_RASA_PORT, action_endpoint="", actions_port=0)
        await fake.start()
        try:
            async with aiohttp.ClientSession() as session:
                client = RasaClient(
                    session, f"http://127.0.0.1:{FAKE_RASA_PORT}", token=TOKEN
                )
                await client.send("keeper", "hi")
                return await stored_after_deletion(client, "rest:keeper", wait_s=0.5)
        finally:
            await fake.stop()

    assert asyncio.run(go()) == ["hi"]


def test_messages_go_to_the_url_and_the_http_api_to_the_api_url(
    tmp_path: Path,
) -> None:
    suite = load_suite(
        [write_cases(tmp_path, one_case('- user: "hi"\n- utter: utter_greet'))]
    )

    outcome, fake = run_against_fake(
        suite,
        url=f"http://localhost:{FAKE_RASA_PORT}",
        api_url=f"http://127.0.0.1:{FAKE_RASA_PORT}",
    )

    assert outcome.passed == 1
    hosts = {path: host.split(":")[0] for host, path in fake.requests}
    assert hosts["/webhooks/rest/webhook"] == "localhost"
    assert {
        host for path, host in hosts.items() if path != "/webhooks/rest/webhook"
    } == {"127.0.0.1"}
    assert fake.conversation_headers == [outcome.results[0].sender]


def test_a_turn_deleted_before_it_is_read_is_checked_on_its_replies(
    tmp_path: Path,
) -> None:
    cases = """
        test_cases:
          - test_case: by_text
            steps:
              - user: "forget"
              - bot: "Done: deleted in a moment."
              - conversation_deleted: true
          - test_case: by_name
            steps:
              - user: "forget"
              - utter: utter_conversation_deleted
        """

    outcome, _ = run_against_fake(load_suite([write_cases(tmp_path, cases)]))

    results = {result.case.name: result for result in outcome.results}
    assert results["by_text"].passed, results["by_text"].failures
    assert results["by_text"].turns[1].from_replies
    (failure,) = results["by_name"].failures
    assert "carry no response names" in failure.actual


def test_the_actions_the_stub_server_served_are_kept_with_the_case(
    tmp_path: Path,
) -> None:
    suite = load_suite(
        [write_cases(tmp_path, one_case('- user: "fallback"\n- user: "hi"'))]
    )

    outcome, _ = run_against_fake(suite)

    assert outcome.results[0].action_calls == [
        ActionCall("action_handle_fallback", "greet", ("utter_ask_rephrase",))
    ]


def test_a_message_refused_as_one_too_many_is_sent_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A rate limit refuses before Rasa sees the message: no duplicate."""
    suite = load_suite(
        [write_cases(tmp_path, one_case('- user: "hi"\n- utter: utter_greet'))]
    )

    outcome, fake = run_against_fake(suite, rate_limited=3)

    assert outcome.passed == 1
    assert [body["message"] for body in fake.received] == ["hi"]
    assert "3 request(s) answered HTTP 429" in caplog.text


def test_workers_hold_back_together_behind_a_tight_rate_limit(tmp_path: Path) -> None:
    """One refusal holds every worker back, so no conversation is starved.

    Behind nginx the workers share one client address: while the others keep the
    bucket full, a worker backing off on its own can be refused again and again (CI
    once lost a case after nine refusals in a row). Every case must pass against a
    limit far below what eight workers send, and after each refusal the bucket is
    left to refill instead of being hammered.
    """
    cases = "".join(
        f"  - test_case: case_{n}\n    steps:\n"
        + '      - user: "hi"\n      - utter: utter_greet\n' * 4
        for n in range(12)
    )
    suite = load_suite([write_cases(tmp_path, f"test_cases:\n{cases}")])

    outcome, fake = run_against_fake(suite, workers=8, rate_limit=(20.0, 2))

    assert outcome.passed == 12, [r.failures for r in outcome.results if r.failures]
    assert len(fake.accepted) == 48
    assert len(fake.refused) <= len(fake.accepted)
