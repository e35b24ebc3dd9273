"""The atomic Redis lock store against a real Redis.

Two "instances" (separate store objects, threads with their own event loops) contend
for one conversation.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import redis
from rasa.core.lock_store import LockStore
from rasa.utils.endpoints import EndpointConfig

from stores.redis_lock_store import AtomicRedisLockStore


def store_for(data_services: Any) -> AtomicRedisLockStore:
    """A lock store built the way Rasa builds it from endpoints.prod.yml."""
    config = EndpointConfig(
        url="127.0.0.1",
        type="stores.redis_lock_store.AtomicRedisLockStore",
        port=str(data_services.settings.redis_port),
        password=data_services.secrets.redis_password,
        db=1,
        key_prefix="test",
    )
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    return store


def test_tickets_issued_at_once_by_two_instances_are_unique(data_services: Any) -> None:
    conversation = f"tickets-{uuid.uuid4().hex[:8]}"
    issued: list[int] = []
    start = threading.Barrier(4)

    def instance() -> None:
        store = store_for(data_services)
        start.wait()
        for _ in range(50):
            issued.append(store.issue_ticket(conversation, 60))

    threads = [threading.Thread(target=instance) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(issued) == list(range(200))


def test_a_conversation_is_served_by_one_instance_at_a_time(data_services: Any) -> None:
    """No two turns of one conversation overlap.

    Each turn reads a counter, yields, and writes it back plus one: any overlap of two
    turns loses an increment, like two Rasa instances saving one tracker.
    """
    conversation = f"turns-{uuid.uuid4().hex[:8]}"
    counter_key = f"test-counter:{conversation}"
    client = redis.Redis(
        host="127.0.0.1",
        port=data_services.settings.redis_port,
        password=data_services.secrets.redis_password,
        db=2,
    )
    client.set(counter_key, 0)
    turns_per_instance = 15

    async def turns(store: AtomicRedisLockStore) -> None:
        for _ in range(turns_per_instance):
            async with store.lock(conversation, wait_time_in_seconds=0.01):
                value = int(client.get(counter_key))
                await asyncio.sleep(0.005)
                client.set(counter_key, value + 1)

    def instance() -> None:
        asyncio.run(turns(store_for(data_services)))

    threads = [threading.Thread(target=instance) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert int(client.get(counter_key)) == 3 * turns_per_instance
    assert store_for(data_services).get_lock(conversation) is None, "lock left behind"
