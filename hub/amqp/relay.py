"""The outbox relay: publishes outbox rows to RabbitMQ with publisher confirms.

Rows are claimed in a transaction (SKIP LOCKED on PostgreSQL, so relays can run in
several processes), published as persistent messages, and marked sent in that
same transaction only once the broker has confirmed every one of them. Runs
of rows bound for the same place travel packed in one AMQP message (packing.py). A nack, a
lost connection or a crash leaves them unsent, to be published again; consumers
drop the duplicates by message id.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque

import pika
from pika.exceptions import AMQPError
from sqlalchemy.engine import Engine

from core.messagebus import Message
from core.storage import outbox
from hub.amqp.packing import pack, runs
from hub.amqp.topology import Topology, declare

log = logging.getLogger("orderb2b.relay")


def destination(topology: Topology, message: Message) -> tuple[str, str]:
    if message.target:
        return "", topology.queue(message.target)
    return topology.exchange, message.routing_key


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        amqp_url: str,
        topology: Topology,
        processors: dict[str, tuple[str, ...]],
        *,
        batch_size: int = 500,
        pack_size: int = 100,
        idle_poll: float = 0.02,
        gather: float = 0.01,
        metrics=None,
    ) -> None:
        self.engine = engine
        self.amqp_url = amqp_url
        self.topology = topology
        self.processors = processors
        self.batch_size = batch_size
        self.pack_size = pack_size
        self.idle_poll = idle_poll
        self.gather = gather
        self.metrics = metrics
        self.published = 0
        self.floor = ClaimFloor()
        self._session: _RelaySession | None = None

    def wake(self) -> None:
        session = self._session
        if session is not None:
            session.wake()

    def run(self, stopping: threading.Event) -> None:
        backoff = 0.5
        while not stopping.is_set():
            started = time.monotonic()
            try:
                blocking_declare(self.amqp_url, self.topology, self.processors)
                self._session = _RelaySession(self, stopping)
                self._session.run()
            except AMQPError as error:
                log.warning("relay connection lost", extra={"error": repr(error)})
            finally:
                self._session = None
            if time.monotonic() - started > 10:
                backoff = 0.5
            if not stopping.is_set():
                stopping.wait(backoff)
                backoff = min(backoff * 2, 10.0)


class ClaimFloor:
    """Where the next claim starts: a little below the rows claimed last, so that it
    skips what was sent long ago. From the start every few seconds, and whenever a
    claim from the floor finds nothing, for rows whose transactions took long to
    commit (their ids are older than their neighbours')."""

    def __init__(self, margin: int = 2000, sweep_every: float = 5.0) -> None:
        self.margin = margin
        self.sweep_every = sweep_every
        self.highest = 0
        self.swept_at = time.monotonic()

    def value(self) -> int:
        if time.monotonic() - self.swept_at >= self.sweep_every:
            return 0
        return max(0, self.highest - self.margin)

    def claimed(self, floor: int, ids: list[int]) -> None:
        if ids:
            self.highest = max(self.highest, ids[-1])
        if floor == 0:
            self.swept_at = time.monotonic()


class _RelaySession:
    """One connection's life: an I/O loop that pumps the outbox in confirmed batches."""

    def __init__(self, relay: OutboxRelay, stopping: threading.Event) -> None:
        self.relay = relay
        self.stopping = stopping
        self.pending: deque[int] = deque()
        self.nacked = False
        self.next_tag = 0
        self.db = None
        self.transaction = None
        self.row_ids: list[int] = []
        self.idle_timer = None
        parameters = pika.URLParameters(relay.amqp_url)
        self.connection = pika.SelectConnection(
            parameters,
            on_open_callback=self._opened,
            on_open_error_callback=self._failed,
            on_close_callback=self._closed,
        )

    def run(self) -> None:
        self.connection.ioloop.start()

    def wake(self) -> None:
        # The loop may be closing; then the next session pumps.
        with contextlib.suppress(Exception):
            self.connection.ioloop.add_callback_threadsafe(self._pump_if_idle)

    def _opened(self, connection) -> None:
        connection.channel(on_open_callback=self._channel_opened)

    def _failed(self, _connection, error) -> None:
        log.warning("relay could not connect", extra={"error": repr(error)})
        self.connection.ioloop.stop()

    def _closed(self, _connection, reason) -> None:
        self._release(commit=False)
        self.connection.ioloop.stop()

    def _channel_opened(self, channel) -> None:
        self.channel = channel
        channel.confirm_delivery(self._confirmed, callback=lambda _frame: self._pump())

    def _pump_if_idle(self) -> None:
        if self.db is None and self.idle_timer is not None:
            self.connection.ioloop.remove_timeout(self.idle_timer)
            self.idle_timer = None
            self._pump()

    def _pump(self) -> None:
        try:
            self._publish_batch()
        except Exception:
            self._fail("relay could not read the outbox")

    def _fail(self, what: str) -> None:
        """A database error inside the loop: let go of the batch and reconnect."""
        log.exception(what)
        with contextlib.suppress(Exception):
            self._release(commit=False)
        if self.connection.is_open:
            self.connection.close()

    def _publish_batch(self) -> None:
        self.idle_timer = None
        if self.stopping.is_set():
            self.connection.close()
            return
        rows = self._claim()
        if not rows:
            self._release(commit=False)
            self.idle_timer = self.connection.ioloop.call_later(self.relay.idle_poll, self._pump)
            return
        for run in runs((message for _, message in rows), self.relay.pack_size):
            exchange, routing_key = destination(self.relay.topology, run[0])
            body, properties = pack(run)
            self.channel.basic_publish(exchange, routing_key, body, properties)
            self.next_tag += 1
            self.pending.append(self.next_tag)

    def _claim(self) -> list[tuple[int, Message]]:
        self.db = self.relay.engine.connect()
        self.transaction = self.db.begin()
        query = outbox.claim_query(lock=self.db.dialect.name == "postgresql")
        floor = self.relay.floor.value()
        rows = self.db.execute(query, {"floor": floor, "limit": self.relay.batch_size}).all()
        if not rows and floor > 0:
            floor = 0
            rows = self.db.execute(query, {"floor": 0, "limit": self.relay.batch_size}).all()
        self.row_ids = [row.id for row in rows]
        self.relay.floor.claimed(floor, self.row_ids)
        self.nacked = False
        return [(row.id, outbox.as_message(row)) for row in rows]

    def _confirmed(self, frame) -> None:
        method = frame.method
        if method.multiple:
            while self.pending and self.pending[0] <= method.delivery_tag:
                self.pending.popleft()
        else:
            self.pending.remove(method.delivery_tag)
        if isinstance(method, pika.spec.Basic.Nack):
            self.nacked = True
        if not self.pending:
            published = len(self.row_ids)
            try:
                self._release(commit=not self.nacked)
            except Exception:
                self._fail("relay could not mark messages sent")
                return
            if not self.nacked:
                self.relay.published += published
                if self.relay.metrics:
                    self.relay.metrics.count(
                        "orderb2b_outbox_published_total",
                        "messages confirmed by the broker",
                        published,
                    )
            self._pump_after(published)

    def _pump_after(self, published: int) -> None:
        """Claim again at once after a full batch; after a small one, let the outbox
        fill for a moment: fewer, larger claims cost less per message."""
        if published >= self.relay.batch_size // 4:
            self._pump()
        else:
            self.idle_timer = self.connection.ioloop.call_later(self.relay.gather, self._pump)

    def _release(self, *, commit: bool) -> None:
        if self.db is None:
            return
        try:
            if commit and self.row_ids:
                outbox.mark_sent_on(self.db, self.row_ids)
                self.transaction.commit()
            else:
                self.transaction.rollback()
        finally:
            self.db.close()
            self.db = self.transaction = None
            self.row_ids = []


def blocking_declare(amqp_url: str, topology: Topology, processors) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        declare(connection.channel(), topology, processors)
    finally:
        connection.close()
