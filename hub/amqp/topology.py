"""RabbitMQ topology: one topic exchange, a quorum queue per processor, retry
queues with a fixed delay each, and a dead-letter exchange and queue."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

QUORUM = {"x-queue-type": "quorum"}
DELIVERY_LIMIT = 20  # redeliveries (e.g. a worker killed mid-batch) before dead-lettering


@dataclass(frozen=True)
class Topology:
    prefix: str
    retry_delays: tuple[float, ...]

    @property
    def exchange(self) -> str:
        return self.prefix

    @property
    def dead_exchange(self) -> str:
        return f"{self.prefix}.dead"

    @property
    def dead_queue(self) -> str:
        return f"{self.prefix}.dead"

    def queue(self, processor: str) -> str:
        return f"{self.prefix}.{processor}"

    def retry_queue(self, processor: str, level: int) -> str:
        return f"{self.prefix}.{processor}.retry.{level}"

    def retry_level(self, attempts: int) -> int:
        return min(attempts, len(self.retry_delays))

    def queues(self, processors: Iterable[str]) -> list[str]:
        names = []
        for processor in processors:
            names.append(self.queue(processor))
            names += [self.retry_queue(processor, n) for n in range(1, len(self.retry_delays) + 1)]
        return [*names, self.dead_queue]


def declare(channel, topology: Topology, processors: Mapping[str, Iterable[str]]) -> None:
    """Declare everything (idempotent); `processors` maps a name to its routing keys."""
    channel.exchange_declare(topology.exchange, "topic", durable=True)
    channel.exchange_declare(topology.dead_exchange, "topic", durable=True)
    channel.queue_declare(topology.dead_queue, durable=True, arguments=QUORUM)
    channel.queue_bind(topology.dead_queue, topology.dead_exchange, "#")
    for name, keys in processors.items():
        queue = topology.queue(name)
        arguments = {
            **QUORUM,
            "x-dead-letter-exchange": topology.dead_exchange,
            "x-dead-letter-routing-key": name,
            "x-delivery-limit": DELIVERY_LIMIT,
        }
        channel.queue_declare(queue, durable=True, arguments=arguments)
        for key in keys:
            channel.queue_bind(queue, topology.exchange, key)
        for level, delay in enumerate(topology.retry_delays, start=1):
            channel.queue_declare(
                topology.retry_queue(name, level),
                durable=True,
                arguments={
                    "x-message-ttl": int(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": queue,
                },
            )
