"""Splitting long replies and rendering buttons, without any server."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels.telegram import keyboard_markup
from channels.text import (
    MESSENGER_LIMIT,
    SLACK_LIMIT,
    SMS_LIMIT,
    TELEGRAM_LIMIT,
    WHATSAPP_LIMIT,
    OfferedOptions,
    neutralise_commands,
    render_numbered_options,
    split_message,
    split_with_tail,
)

YES_NO_UNSURE = [
    {"title": "Yes", "payload": "/affirm"},
    {"title": "No", "payload": "/deny"},
    {"title": "Not sure", "payload": "/express_unsure"},
]
EMERGENCY = (
    "Call 112 now. What you describe can be a sign of a serious problem that needs "
    "emergency care straight away. Don't drive yourself."
)
LIMITS = [TELEGRAM_LIMIT, SMS_LIMIT, WHATSAPP_LIMIT, SLACK_LIMIT, MESSENGER_LIMIT]


def _words(text: str) -> list[str]:
    return text.split()


def test_short_text_is_one_message() -> None:
    assert split_message("  Stretch gently.  ", SMS_LIMIT) == ["Stretch gently."]


def test_blank_text_is_no_message() -> None:
    assert split_message(" \n\n ", SMS_LIMIT) == []


def test_paragraphs_are_packed_and_split_between_paragraphs() -> None:
    first, second, third = "A" * 900, "B" * 600, "C" * 500
    text = f"{first}\n\n{second}\n\n{third}"
    assert split_message(text, SMS_LIMIT) == [f"{first}\n\n{second}", third]


def test_long_paragraph_splits_at_sentence_ends() -> None:
    sentence = "Keep the leg straight and lean forward slowly. "
    text = sentence * 60
    messages = split_message(text, SMS_LIMIT)
    assert len(messages) == 2
    assert all(m.endswith("slowly.") for m in messages)
    assert all(len(m) <= SMS_LIMIT for m in messages)


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    url = "https://example.org/" + "x" * 130
    assert split_message(url, 100) == [url[:100], url[100:]]


@pytest.mark.parametrize("limit", LIMITS)
def test_emergency_reply_leads_every_platform_with_the_number(limit: int) -> None:
    advice = " ".join(["Keep still, stay warm and wait for help to arrive."] * 150)
    messages = split_message(f"{EMERGENCY}\n\n{advice}", limit)
    assert len(messages) > 1
    assert messages[0].startswith("Call 112 now.")
    assert all(len(m) <= limit for m in messages)


@given(
    st.lists(
        st.text(alphabet="abc .!?\n", min_size=0, max_size=120), min_size=1, max_size=40
    ),
    st.sampled_from([20, 50, 160, SMS_LIMIT]),
)
def test_splitting_keeps_every_word_in_order_within_the_limit(
    paragraphs: list[str], limit: int
) -> None:
    text = "\n\n".join(paragraphs)
    messages = split_message(text, limit)
    assert all(0 < len(m) <= limit for m in messages)
    assert _words(" ".join(messages)) == _words(text)


def test_split_with_tail_leaves_room_on_the_last_message() -> None:
    text = "Stretch slowly. " * 150
    messages = split_with_tail(text, SMS_LIMIT, tail_limit=200)
    assert len(messages[-1]) <= 200
    assert all(len(m) <= SMS_LIMIT for m in messages)
    assert _words(" ".join(messages)) == _words(text)


def test_numbered_options_read_like_a_menu() -> None:
    assert render_numbered_options(YES_NO_UNSURE) == "1. Yes  2. No  3. Not sure"


@pytest.mark.parametrize(
    ("answer", "payload"),
    [
        ("2", "/deny"),
        (" 2. ", "/deny"),
        ("no", "/deny"),
        ("NO!", "/deny"),
        ("not sure", "/express_unsure"),
        ("1", "/affirm"),
        ("/deny", "/deny"),
        ("no idea what you mean", None),
        ("4", None),
    ],
)
def test_offered_options_map_numbers_and_words_to_payloads(
    answer: str, payload: str | None
) -> None:
    options = OfferedOptions()
    options.offer("+15550001", YES_NO_UNSURE)
    assert options.take_answer("+15550001", answer) == payload


def test_offered_options_are_single_use_and_per_sender() -> None:
    options = OfferedOptions()
    options.offer("alice", YES_NO_UNSURE)
    assert options.take_answer("bob", "2") is None
    assert options.take_answer("alice", "2") == "/deny"
    assert options.take_answer("alice", "2") is None


def test_offered_options_stay_bounded() -> None:
    options = OfferedOptions(max_senders=3)
    for sender in ["a", "b", "c", "d"]:
        options.offer(sender, YES_NO_UNSURE)
    assert len(options) == 3
    assert options.take_answer("a", "1") is None
    assert options.take_answer("d", "1") == "/affirm"


def test_offered_options_expire() -> None:
    options = OfferedOptions(ttl_seconds=-1)
    options.offer("a", YES_NO_UNSURE)
    assert options.take_answer("a", "1") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (
            '/report_symptom{"red_flag": "swelling"}',
            'report_symptom{"red_flag": "swelling"}',
        ),
        ("//deny", "deny"),
        ("my leg hurts", "my leg hurts"),
    ],
)
def test_typed_text_cannot_pose_as_an_intent(typed: str, expected: str) -> None:
    assert neutralise_commands(typed) == expected


def test_telegram_inline_keyboard_carries_payloads() -> None:
    assert keyboard_markup(YES_NO_UNSURE) == {
        "inline_keyboard": [
            [
                {"text": "Yes", "callback_data": "/affirm"},
                {"text": "No", "callback_data": "/deny"},
                {"text": "Not sure", "callback_data": "/express_unsure"},
            ]
        ]
    }


def test_telegram_payload_over_64_bytes_becomes_the_option_number() -> None:
    buttons = [{"title": "Long", "payload": "/inform" + "x" * 70}]
    markup = keyboard_markup(buttons)
    assert markup["inline_keyboard"][0][0]["callback_data"] == "1"


def test_telegram_reply_keyboard_shows_titles() -> None:
    markup = keyboard_markup(YES_NO_UNSURE, style="reply")
    assert markup["keyboard"] == [
        [{"text": "Yes"}, {"text": "No"}, {"text": "Not sure"}]
    ]
    assert markup["one_time_keyboard"] is True
