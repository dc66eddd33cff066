"""A processor's consumer: takes its queue in batches (a delivery may carry a
packed run of messages), handles them in one transaction each (inbox included),
then acknowledges. A batch closes when it is
full, when the queue goes quiet for 10 ms, or 50 ms after its first message.

A message that fails goes to the retry queue of its attempt (a fixed delay each)
and, past the last attempt, to the dead-letter exchange with its error; in both
cases it is published with a confirm before the original is acknowledged.
"""

from __future__ import annotations

import logging
import threading
import time

import pika
from pika.exceptions import AMQPError

from core.messagebus import Message, MessageBus, Processor
from core.storage import dead_letters
from hub.amqp.packing import message_properties, unpack
from hub.amqp.topology import Topology, declare
from hub.metrics import record_batch

log = logging.getLogger("orderb2b.consumer")


class QueueConsumer:
    def __init__(
        self,
        bus: MessageBus,
        engine,
        amqp_url: str,
        topology: Topology,
        processor: Processor,
        *,
        prefetch: int = 200,
        batch_size: int = 100,
        max_attempts: int = 5,
        max_wait: float = 0.05,
        metrics=None,
    ) -> None:
        self.bus = bus
        self.engine = engine
        self.amqp_url = amqp_url
        self.topology = topology
        self.processor = processor
        self.prefetch = prefetch
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.metrics = metrics
        self.handled = 0

    def run(self, stopping: threading.Event) -> None:
        backoff = 0.5
        while not stopping.is_set():
            try:
                self._consume(stopping)
                backoff = 0.5
            except AMQPError as error:
                log.warning("consumer connection lost", extra={"error": repr(error)})
            except Exception:
                # The database is away, say: the batch was not acknowledged, so it
                # comes back once we reconnect.
                log.exception(
                    "consumer failed; starting again", extra={"processor": self.processor.name}
                )
            if not stopping.is_set():
                stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def _consume(self, stopping: threading.Event) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(self.amqp_url))
        try:
            channel = connection.channel()
            declare(channel, self.topology, {self.processor.name: self.processor.routing_keys})
            channel.basic_qos(prefetch_count=self.prefetch)
            publisher = connection.channel()
            publisher.confirm_delivery()
            queue = self.topology.queue(self.processor.name)
            batch: list[tuple[int, Message, dict]] = []
            oldest = 0.0
            for method, properties, body in channel.consume(queue, inactivity_timeout=0.01):
                if method is not None:
                    if not batch:
                        oldest = time.monotonic()
                    batch.extend(_received(method, properties, body))
                    full = len(batch) >= self.batch_size
                    if not full and time.monotonic() - oldest < self.max_wait:
                        continue
                if batch:
                    self._settle(channel, publisher, batch)
                    batch = []
                if stopping.is_set():
                    break
            channel.cancel()
        finally:
            if connection.is_open:
                connection.close()

    def _settle(self, channel, publisher, batch) -> None:
        started = time.perf_counter()
        messages = [message for _, message, _ in batch]
        failures = self.bus.deliver(self.processor, messages)
        headers_by_id = {message.message_id: headers for _, message, headers in batch}
        for message, error in failures:
            self._route_failure(publisher, message, headers_by_id[message.message_id], error)
        channel.basic_ack(batch[-1][0], multiple=True)
        self.handled += len(batch)
        record_batch(self.metrics, self.processor.name, len(batch), time.perf_counter() - started)

    def _route_failure(self, publisher, message: Message, headers: dict, error: Exception) -> None:
        attempts = int(headers.get("x-attempts", 0)) + 1
        description = f"{type(error).__name__}: {error}"
        log.warning(
            "message failed",
            extra={
                "processor": self.processor.name,
                "message_id": message.message_id,
                "attempts": attempts,
                "error": description,
            },
        )
        headers = {**headers, "x-attempts": attempts, "x-error": description[:1000]}
        properties = message_properties(message, headers)
        if attempts >= self.max_attempts:
            dead_letters.record(self.engine, self.processor.name, message, description, attempts)
            publisher.basic_publish(
                self.topology.dead_exchange, self.processor.name, message.body.encode(), properties
            )
            return
        level = self.topology.retry_level(attempts)
        retry_queue = self.topology.retry_queue(self.processor.name, level)
        publisher.basic_publish("", retry_queue, message.body.encode(), properties)


def _received(method, properties, body: bytes) -> list[tuple[int, Message, dict]]:
    """The messages of one delivery (a packed run, or one), each with its headers."""
    headers = dict(properties.headers or {})
    headers.pop("x-messages", None)
    return [(method.delivery_tag, message, headers) for message in unpack(properties, body)]
