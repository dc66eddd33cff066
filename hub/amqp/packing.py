"""Several outbox messages in one AMQP message.

The relay sends a run of outbox rows bound for the same place (exchange and
routing key, or one processor's queue) as one persistent message; consumers
unpack it into the messages it holds. Each keeps its own id, so the inbox still
drops duplicates one by one, and a message that fails is retried or dead-lettered
on its own. One publish, one confirm and one delivery carry a whole run: the
broker's and the clients' cost per message is paid once per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson
import pika

from core.messagebus import Message

PACKED = "application/vnd.orderb2b.messages+json"
SINGLE = "application/json"


def message_properties(message: Message, headers: dict | None = None) -> pika.BasicProperties:
    return pika.BasicProperties(
        message_id=message.message_id,
        type=message.routing_key,
        content_type=SINGLE,
        delivery_mode=pika.DeliveryMode.Persistent,
        headers=headers or {},
    )


def runs(messages: Iterable[Message], limit: int) -> Iterator[list[Message]]:
    """Consecutive messages for the same place, at most `limit` together."""
    run: list[Message] = []
    for message in messages:
        if run and (len(run) >= limit or _place(run[0]) != _place(message)):
            yield run
            run = []
        run.append(message)
    if run:
        yield run


def pack(run: list[Message]) -> tuple[bytes, pika.BasicProperties]:
    """The body and properties of one AMQP message carrying `run`."""
    if len(run) == 1:
        return run[0].body.encode(), message_properties(run[0])
    body = orjson.dumps([[m.message_id, m.body] for m in run])
    properties = pika.BasicProperties(
        message_id=f"pack:{run[0].message_id}",
        type=run[0].routing_key,
        content_type=PACKED,
        delivery_mode=pika.DeliveryMode.Persistent,
        headers={"x-messages": len(run)},
    )
    return body, properties


def unpack(properties, body: bytes) -> list[Message]:
    """The messages an AMQP message carries: itself, or the run packed in it."""
    if properties.content_type != PACKED:
        return [Message(properties.message_id, properties.type, body.decode())]
    return [Message(message_id, properties.type, text) for message_id, text in orjson.loads(body)]


def _place(message: Message) -> tuple[str, str | None]:
    return message.routing_key, message.target
