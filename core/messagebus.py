"""In-process dispatch: a command has one handler, an event many processors.

The bus never publishes: events are written to the outbox by the unit of work and
reach processors through a transport (in-process or RabbitMQ), each delivery
guarded by the processor's inbox so that a redelivered message changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core import ports
from core.commands import Command
from core.events import Event, event_from_payload

log = logging.getLogger("orderb2b.bus")


@dataclass(frozen=True)
class Message:
    message_id: str
    routing_key: str
    body: str
    target: str | None = None
    attempts: int = 0

    def event(self) -> Event:
        return event_from_payload(self.routing_key, json.loads(self.body))


class Processor(Protocol):
    name: str
    routing_keys: tuple[str, ...]

    def handle(self, event: Event, uow: ports.UnitOfWork) -> None: ...


class BatchProcessor(Processor, Protocol):
    """A processor that does a batch's work together (one lookup, one flush)."""

    def handle_batch(self, events: list[Event], uow: ports.UnitOfWork) -> None: ...


CommandHandler = Callable[[Any, ports.UnitOfWork], Any]
UowFactory = Callable[[ports.Actor], ports.UnitOfWork]


class MessageBus:
    def __init__(
        self,
        uow_factory: UowFactory,
        command_handlers: dict[type[Command], CommandHandler],
        processors: Sequence[Processor] = (),
    ) -> None:
        self.uow_factory = uow_factory
        self.command_handlers = command_handlers
        self.processors = {p.name: p for p in processors}

    def execute(self, command: Command, actor: ports.Actor = ports.SYSTEM) -> Any:
        handler = self.command_handlers[type(command)]
        with self.uow_factory(actor) as uow:
            result = handler(command, uow)
            uow.commit()
        return result

    def subscribers(self, message: Message) -> list[Processor]:
        if message.target:
            processor = self.processors.get(message.target)
            return [processor] if processor else []
        return [p for p in self.processors.values() if message.routing_key in p.routing_keys]

    def routing_keys(self) -> set[str]:
        return {key for p in self.processors.values() for key in p.routing_keys}

    def deliver(
        self, processor: Processor, messages: Sequence[Message]
    ) -> list[tuple[Message, Exception]]:
        """Handle a batch in one transaction; if it fails, one by one. Returns failures."""
        try:
            self._deliver_together(processor, messages)
            return []
        except Exception as error:
            if len(messages) == 1:
                return [(messages[0], error)]
        failures = []
        for message in messages:
            try:
                self._deliver_together(processor, [message])
            except Exception as error:
                failures.append((message, error))
        return failures

    def _deliver_together(self, processor: Processor, messages: Iterable[Message]) -> None:
        with self.uow_factory(ports.SYSTEM) as uow:
            unique = {m.message_id: m for m in messages}
            fresh = uow.inbox.unseen(processor.name, unique)
            batch = [m.event() for message_id, m in unique.items() if message_id in fresh]
            handle_batch = getattr(processor, "handle_batch", None)
            if handle_batch is not None:
                handle_batch(batch, uow)
            else:
                for event in batch:
                    processor.handle(event, uow)
            uow.inbox.record(processor.name, fresh)
            uow.commit()
