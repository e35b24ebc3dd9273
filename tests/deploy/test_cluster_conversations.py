"""One conversation across several Rasa instances, their restarts and a failover.

Two real Rasa instances (the trained model) and two action servers share one PostgreSQL
tracker store and one Redis lock store, behind nginx on free loopback ports (the
session's cluster, ``running``). The tests talk to each instance directly and through
nginx, and read back what Rasa stored; those that stop an instance run last
(``stops_instances``).
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
import uuid

import pytest
import requests

from deploy import cluster
from tests.deploy.cluster_client import (
    RunningCluster,
    assert_turns_not_interleaved,
    user_texts,
)

MESSAGES = (
    "hello",
    "what causes hamstring cramps",
    "how can I prevent cramps",
    "thanks",
    "is it ok to drink more water",
    "bye",
)


def test_one_conversation_alternates_between_two_instances(
    running: RunningCluster,
) -> None:
    sender = f"alternate-{uuid.uuid4().hex[:8]}"

    for turn, text in enumerate(MESSAGES):
        running.say(turn % 2, sender, text)

    assert user_texts(running.tracker(0, sender)) == list(MESSAGES)
    assert user_texts(running.tracker(1, sender)) == list(MESSAGES)
    stored = running.stored_events(sender)
    assert [t for t, _ in stored].count("user") == len(MESSAGES)
    assert len(stored) == len(running.tracker(0, sender)["events"])
    assert_turns_not_interleaved(stored)


def test_simultaneous_messages_at_two_instances_are_processed_one_after_the_other(
    running: RunningCluster,
) -> None:
    """The Redis lock store serialises a conversation across instances."""
    sender = f"simultaneous-{uuid.uuid4().hex[:8]}"
    running.say(0, sender, "hello")
    pairs = [MESSAGES[1:3], MESSAGES[3:5], (MESSAGES[1], MESSAGES[5])] * 3

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for first, second in pairs:
            start = threading.Barrier(2)

            def send(index: int, text: str, start: threading.Barrier = start) -> None:
                start.wait()
                running.say(index, sender, text)

            list(pool.map(send, (0, 1), (first, second)))

    expected = ["hello", *[text for pair in pairs for text in pair]]
    stored = running.stored_events(sender)
    assert sorted(user_texts(running.tracker(1, sender))) == sorted(expected)
    assert [t for t, _ in stored].count("user") == len(expected)
    assert_turns_not_interleaved(stored)


@pytest.mark.stops_instances
def test_a_conversation_survives_a_rasa_restart(running: RunningCluster) -> None:
    sender = f"restart-{uuid.uuid4().hex[:8]}"
    running.say(0, sender, MESSAGES[0])
    running.say(0, sender, MESSAGES[1])

    cluster.stop_named("rasa-0", running.settings)
    running.ensure_up()

    assert user_texts(running.tracker(0, sender)) == list(MESSAGES[:2])
    running.say(0, sender, MESSAGES[2])
    assert user_texts(running.tracker(0, sender)) == list(MESSAGES[:3])
    assert_turns_not_interleaved(running.stored_events(sender))


@pytest.mark.stops_instances
def test_killing_an_instance_mid_load_loses_no_conversation(
    running: RunningCluster,
) -> None:
    """Conversations on the killed instance continue on the other one (through nginx)."""
    senders = [f"failover-{n}-{uuid.uuid4().hex[:6]}" for n in range(16)]
    acknowledged: dict[str, list[str]] = {sender: [] for sender in senders}
    lock = threading.Lock()

    def converse(sender: str, texts: tuple[str, ...]) -> None:
        for text in texts:
            for _attempt in range(30):
                try:
                    reply = requests.post(
                        f"{running.nginx_url}/webhooks/rest/webhook",
                        json={"sender": sender, "message": text},
                        headers=running.rest_headers(sender),
                        timeout=120,
                    )
                except requests.ConnectionError:
                    time.sleep(1.0)
                    continue
                if reply.status_code == 200:
                    with lock:
                        acknowledged[sender].append(text)
                    break
                time.sleep(1.0)

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(senders)) as pool:
        list(pool.map(converse, senders, [MESSAGES[:2]] * len(senders)))
        later = [pool.submit(converse, sender, MESSAGES[2:5]) for sender in senders]
        time.sleep(1.0)
        cluster.stop_named("rasa-1", running.settings, kill=True)
        for future in later:
            future.result()

    for sender in senders:
        assert acknowledged[sender] == list(MESSAGES[:5]), f"{sender} was not answered"
        stored_texts = user_texts(running.tracker(0, sender))
        missing = [text for text in acknowledged[sender] if text not in stored_texts]
        assert missing == [], f"{sender} lost {missing}"
