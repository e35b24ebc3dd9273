"""The delivery log in the deployment's Redis, shared by the Rasa instances.

A retry that reaches another instance is recognised; a Redis outage never drops a
message.
"""

from __future__ import annotations

import uuid
from typing import Any

from channels.replay import DeliveryLog, RedisDeliveryLog, delivery_log


def instance_log(services: Any) -> RedisDeliveryLog:
    """The log one Rasa instance of the test cluster builds from its environment."""
    log = delivery_log(
        {
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": str(services.settings.redis_port),
            "REDIS_PASSWORD": services.secrets.redis_password,
        }
    )
    assert isinstance(log, RedisDeliveryLog)
    return log


def test_a_delivery_seen_by_one_instance_is_a_repeat_for_the_other(
    data_services: Any,
) -> None:
    first, second = instance_log(data_services), instance_log(data_services)
    update_id = uuid.uuid4().hex
    assert first.first_time("telegram", update_id)
    assert not second.first_time("telegram", update_id)
    assert not first.first_time("telegram", update_id)
    # The same id on another channel is another delivery.
    assert second.first_time("twilio", update_id)


def test_the_shared_entries_expire(data_services: Any) -> None:
    log = instance_log(data_services)
    update_id = uuid.uuid4().hex
    assert log.first_time("slack", update_id)
    ttl = log.client.ttl(f"hamstring:delivery:slack:{update_id}")
    assert 0 < ttl <= log.ttl


def test_without_redis_each_process_keeps_its_own_log() -> None:
    assert isinstance(delivery_log({}), DeliveryLog)


def test_an_unreachable_redis_falls_back_to_memory_and_drops_nothing(
    data_services: Any,
) -> None:
    log = delivery_log(
        {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": "1", "REDIS_PASSWORD": "x"}
    )
    update_id = uuid.uuid4().hex
    assert log.first_time("telegram", update_id)  # handled, not lost
    assert not log.first_time("telegram", update_id)  # still recognised in memory
