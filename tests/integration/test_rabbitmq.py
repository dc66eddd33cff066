"""The pipeline over RabbitMQ: outbox relay with confirms, consumers, retries, dead letters."""

from __future__ import annotations

import threading
import time

import pika
import pytest
from sqlalchemy import func, select

from core.storage import dead_letters, outbox, tables
from hub.amqp.admin import queue_depths
from hub.amqp.consumer import QueueConsumer
from hub.amqp.packing import PACKED
from hub.amqp.relay import OutboxRelay
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.demo import load_demo, order_request
from hub.intake import CxmlIntake
from hub.partners import PartnerDirectory
from hub.queues import replay
from hub.service import processor_keys, topology_for
from tests.conftest import AMQP_URL
from tests.integration.test_pipeline import FailingProcessor


class Running:
    """Relay and consumers in threads, as the hub runs them."""

    def __init__(self, app) -> None:
        self.app = app
        self.stopping = threading.Event()
        topology = topology_for(app)
        self.relay = OutboxRelay(app.engine, AMQP_URL, topology, processor_keys(app))
        workers = [self.relay] + [
            QueueConsumer(
                app.bus,
                app.engine,
                AMQP_URL,
                topology,
                processor,
                max_attempts=app.config.max_attempts,
            )
            for processor in app.bus.processors.values()
        ]
        self.threads = [threading.Thread(target=w.run, args=(self.stopping,)) for w in workers]
        app.uow_factory.on_commit = self.relay.wake

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(30)
        assert not any(t.is_alive() for t in self.threads)


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def order_count(app) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(tables.orders)).scalar_one()


@pytest.fixture
def make_app(pg_url, amqp_prefix, data_dir):
    made = []

    def make(extra_processors=(), **overrides):
        values = {
            "database_url": pg_url,
            "amqp_url": AMQP_URL,
            "data_dir": data_dir,
            "amqp_prefix": amqp_prefix,
            "retry_delays": (0.05, 0.1),
            "max_attempts": 3,
            **overrides,
        }
        app = bootstrap(Config(**values), extra_processors=extra_processors)
        load_demo(app.uow_factory)
        made.append(app)
        return app

    yield make
    for app in made:
        app.close()


def test_orders_flow_through_rabbitmq_exactly_once(make_app):
    app = make_app()
    intake = CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)
    with Running(app):
        for n in range(50):
            assert intake.receive(order_request(f"R-{n}")).code == 200
        assert intake.receive(order_request("R-0", payload_id="again@buyer")).code == 200
        wait_for(lambda: order_count(app) == 50 and outbox.backlog(app.engine) == 0)
        wait_for(lambda: _depth(app, "normaliser") == 0)
    assert order_count(app) == 50
    with app.engine.connect() as connection:
        states = dict(
            connection.execute(
                select(tables.inbound_documents.c.state, func.count()).group_by(
                    tables.inbound_documents.c.state
                )
            ).all()
        )
    assert states == {"processed": 50, "duplicate": 1}


def _depth(app, processor: str) -> int:
    depths = queue_depths(AMQP_URL, topology_for(app), processor_keys(app))
    return depths[topology_for(app).queue(processor)]["messages"]


def test_failing_message_is_retried_then_dead_lettered_and_replayed(make_app):
    failing = FailingProcessor({"D-BAD"})
    app = make_app(extra_processors=[failing])
    intake = CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)
    topology = topology_for(app)
    with Running(app):
        for order_id in ("D-1", "D-BAD", "D-2"):
            intake.receive(order_request(order_id))
        wait_for(lambda: len(dead_letters.listing(app.engine)) == 1)
        wait_for(lambda: {"D-1", "D-2"} <= set(failing.seen))
        depths = queue_depths(AMQP_URL, topology, processor_keys(app))
        wait_for(lambda: _dead_depth(app) == 1)
        [letter] = dead_letters.listing(app.engine)
        assert (letter.processor, letter.attempts) == ("failing", 3)
        assert "cannot handle D-BAD" in letter.error
        headers = _peek_dead_headers(topology.dead_queue)
        assert headers["x-attempts"] == 3 and "cannot handle D-BAD" in headers["x-error"]
        failing.poison.clear()
        replay(app, letter.id)
        wait_for(lambda: "D-BAD" in failing.seen)
        wait_for(lambda: _dead_depth(app) == 0)
    assert set(depths) >= {topology.queue("failing"), topology.retry_queue("failing", 1)}


def _dead_depth(app) -> int:
    topology = topology_for(app)
    return queue_depths(AMQP_URL, topology, processor_keys(app))[topology.dead_queue]["messages"]


def _peek_dead_headers(queue: str) -> dict:
    return dict(_peek_properties(queue).headers)


def test_relay_holds_messages_while_the_broker_is_unreachable(make_app):
    app = make_app(amqp_url="amqp://guest:guest@127.0.0.1:1/%2F")
    intake = CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)
    assert intake.receive(order_request("H-1")).code == 200
    stopping = threading.Event()
    relay = OutboxRelay(app.engine, app.config.amqp_url, topology_for(app), processor_keys(app))
    thread = threading.Thread(target=relay.run, args=(stopping,))
    thread.start()
    time.sleep(1.0)
    stopping.set()
    thread.join(15)
    assert not thread.is_alive()
    assert outbox.backlog(app.engine) == 1


def _drop_database_connections(database_url: str) -> None:
    import psycopg

    from tests.conftest import PG_ADMIN_URL

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )


def test_workers_survive_lost_database_connections(make_app, pg_url):
    app = make_app()
    intake = CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)
    with Running(app) as running:
        assert intake.receive(order_request("L-1")).code == 200
        wait_for(lambda: order_count(app) == 1)
        _drop_database_connections(pg_url)
        answers = [_answer(intake, order_request(f"L-{n}")) for n in range(2, 6)]
        assert answers.count(200) >= 3, answers
        wait_for(lambda: order_count(app) == 1 + answers.count(200), timeout=60)
        assert all(thread.is_alive() for thread in running.threads)
    assert outbox.backlog(app.engine) == 0


def _answer(intake, document: bytes) -> int:
    """As the hub's intake queue answers: a failure to keep the document is a 500."""
    try:
        return intake.receive(document).code
    except Exception:
        return 500


def test_relay_packs_a_run_and_consumers_unpack_it(make_app):
    app = make_app()
    intake = CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)
    documents = [(order_request(f"P-{n}"), None, None) for n in range(10)]
    assert {a.code for a in intake.receive_many(documents)} == {200}
    topology = topology_for(app)
    _relay_until_sent(app, OutboxRelay(app.engine, AMQP_URL, topology, processor_keys(app)))
    assert _depth(app, "normaliser") == 1
    properties = _peek_properties(topology.queue("normaliser"))
    assert properties.content_type == PACKED
    assert (properties.type, properties.headers["x-messages"]) == ("document.received", 10)
    with Running(app):
        wait_for(lambda: order_count(app) == 10 and _depth(app, "normaliser") == 0)


def test_a_failing_message_leaves_its_pack_alone(make_app):
    failing = FailingProcessor({"Q-BAD"})
    app = make_app(extra_processors=[failing])
    intake = CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)
    documents = [(order_request(order_id), None, None) for order_id in ("Q-1", "Q-BAD", "Q-2")]
    intake.receive_many(documents)
    with Running(app):
        wait_for(lambda: len(dead_letters.listing(app.engine)) == 1)
        wait_for(lambda: order_count(app) == 3)
    assert {"Q-1", "Q-2"} <= set(failing.seen)
    [letter] = dead_letters.listing(app.engine)
    assert "cannot handle Q-BAD" in letter.error and letter.attempts == 3


def _peek_properties(queue: str):
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        channel = connection.channel()
        method, properties, _ = channel.basic_get(queue, auto_ack=False)
        channel.basic_nack(method.delivery_tag, requeue=True)
        return properties
    finally:
        connection.close()


def test_a_row_below_the_floor_is_still_relayed(make_app):
    app = make_app()
    intake = CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)
    assert intake.receive(order_request("F-1")).code == 200
    relay = OutboxRelay(app.engine, AMQP_URL, topology_for(app), processor_keys(app))
    relay.floor.claimed(0, [10**9])
    _relay_until_sent(app, relay)
    assert _depth(app, "normaliser") == 1


def _relay_until_sent(app, relay: OutboxRelay) -> None:
    stopping = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stopping,))
    thread.start()
    try:
        wait_for(lambda: outbox.backlog(app.engine) == 0)
    finally:
        stopping.set()
        thread.join(15)
    assert not thread.is_alive()
