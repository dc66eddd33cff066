"""The message bus with fake storage: commands, batches, inbox, failures."""

from __future__ import annotations

import contextlib
import json

import pytest

from core import events, ports
from core.messagebus import Message, MessageBus


class FakeInbox(ports.Inbox):
    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()
        self.pending: set[tuple[str, str]] = set()

    def unseen(self, processor, message_ids):
        return {m for m in message_ids if (processor, m) not in self.seen}

    def record(self, processor, message_ids):
        self.pending |= {(processor, m) for m in message_ids}


class FakeUnitOfWork(ports.UnitOfWork):
    def __init__(self, store: dict) -> None:
        self.store = store
        self.inbox = store["inbox"]
        self.actor = ports.SYSTEM
        self.changes: list = []
        self.events: list = []

    def emit(self, event, target=None):
        self.events.append(event)

    def next_numbers(self, series, count):
        return list(range(1, count + 1))

    def next_counter(self, name, count=1):
        return list(range(1, count + 1))

    def detach(self):
        pass

    def no_autoflush(self):
        return contextlib.nullcontext()

    def commit(self):
        self.store["committed"] += self.changes
        self.store["outbox"] += self.events
        self.inbox.seen |= self.inbox.pending
        self.inbox.pending = set()
        self.changes, self.events = [], []

    def rollback(self):
        self.changes, self.events = [], []
        self.inbox.pending = set()


class Recorder:
    name = "recorder"
    routing_keys = ("order.received",)

    def __init__(self, poison=()) -> None:
        self.poison = set(poison)

    def handle(self, event, uow):
        if event.order_number in self.poison:
            raise ValueError(f"poison {event.order_number}")
        uow.changes.append(event.order_number)


@pytest.fixture
def store():
    return {"inbox": FakeInbox(), "committed": [], "outbox": []}


def bus_for(store, processor=None, handlers=None) -> MessageBus:
    processors = [processor] if processor else []
    return MessageBus(lambda actor=ports.SYSTEM: FakeUnitOfWork(store), handlers or {}, processors)


def message(number: str, message_id: str | None = None) -> Message:
    event = events.OrderReceived(number, "cxml", "p", f"x-{number}", None)
    return Message(message_id or f"m-{number}", event.routing_key, json.dumps(event.payload()))


def test_a_batch_is_handled_in_one_transaction(store):
    bus = bus_for(store, Recorder())
    failures = bus.deliver(bus.processors["recorder"], [message("1"), message("2")])
    assert failures == []
    assert store["committed"] == ["1", "2"]


def test_a_redelivered_message_is_handled_once(store):
    bus = bus_for(store, Recorder())
    processor = bus.processors["recorder"]
    bus.deliver(processor, [message("1")])
    bus.deliver(processor, [message("1"), message("1"), message("2")])
    assert store["committed"] == ["1", "2"]


def test_one_failing_message_does_not_hold_back_the_others(store):
    bus = bus_for(store, Recorder(poison={"2"}))
    failures = bus.deliver(bus.processors["recorder"], [message("1"), message("2"), message("3")])
    assert [(m.message_id, str(e)) for m, e in failures] == [("m-2", "poison 2")]
    assert store["committed"] == ["1", "3"]
    assert ("recorder", "m-2") not in store["inbox"].seen


def test_subscribers_follow_routing_key_or_target(store):
    bus = bus_for(store, Recorder())
    assert [p.name for p in bus.subscribers(message("1"))] == ["recorder"]
    other = Message("m", "document.received", "{}")
    assert bus.subscribers(other) == []
    targeted = Message("m", "document.received", "{}", target="recorder")
    assert [p.name for p in bus.subscribers(targeted)] == ["recorder"]


def test_a_command_has_one_handler_and_its_error_propagates(store):
    class Boom:
        pass

    def handler(command, uow):
        raise RuntimeError("no")

    bus = bus_for(store, handlers={Boom: handler})
    with pytest.raises(RuntimeError):
        bus.execute(Boom())
    assert store["committed"] == []
