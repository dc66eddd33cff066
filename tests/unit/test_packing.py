"""Packing runs of outbox messages into one AMQP message, and back."""

from __future__ import annotations

from core.messagebus import Message
from hub.amqp.packing import PACKED, SINGLE, pack, runs, unpack


def message(n: int, key: str = "order.received", target: str | None = None) -> Message:
    return Message(f"m{n}", key, f'{{"n":{n}}}', target)


def test_runs_break_where_the_place_changes_and_at_the_limit():
    messages = [
        message(1),
        message(2),
        message(3, "document.received"),
        message(4, "document.received", target="normaliser"),
        *(message(n) for n in range(5, 10)),
    ]
    grouped = [[m.message_id for m in run] for run in runs(messages, limit=3)]
    assert grouped == [["m1", "m2"], ["m3"], ["m4"], ["m5", "m6", "m7"], ["m8", "m9"]]


def test_a_packed_run_unpacks_to_the_same_messages_in_order():
    run = [message(n) for n in range(4)]
    body, properties = pack(run)
    assert properties.content_type == PACKED and properties.headers["x-messages"] == 4
    assert properties.delivery_mode == 2 and properties.type == "order.received"
    assert unpack(properties, body) == [Message(m.message_id, m.routing_key, m.body) for m in run]


def test_a_run_of_one_travels_as_a_plain_message():
    body, properties = pack([message(7)])
    assert (properties.content_type, properties.message_id, body) == (SINGLE, "m7", b'{"n":7}')
    assert unpack(properties, body) == [Message("m7", "order.received", '{"n":7}')]
