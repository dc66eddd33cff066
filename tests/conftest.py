"""Shared fixtures: real PostgreSQL and RabbitMQ, each test with its own database
and queue prefix, built by the migrations and removed afterwards.

A service that is absent fails the tests that need it in CI (CI=true); on a
developer machine those tests are skipped with a message saying what is missing.
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import sqlite3
import threading
import uuid
from contextlib import closing
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("ORDERB2B_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("ORDERB2B_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/%2F")
REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"


def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must provide it", pytrace=False)
    pytest.skip(f"{message}; start it to run this test (skipped on a developer machine only)")


def _admin_execute(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture(scope="session")
def pg_template():
    """A database migrated to head once per run; each test copies it."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from core.storage.engine import make_engine
    from core.storage.migrate import upgrade

    name = f"orderb2b_tpl_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(_database_url(name))
    upgrade(engine)
    engine.dispose()
    yield name
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _database_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


class DatabaseSupply:
    """Copies of the template database, made ahead by one thread, and used ones dropped
    by another: CREATE DATABASE ... TEMPLATE takes about half a second here, which the
    tests then spend running instead of waiting."""

    AHEAD = 2

    def __init__(self, template: str) -> None:
        self.template = template
        self.ready: queue.Queue[str] = queue.Queue(maxsize=self.AHEAD)
        self.used: queue.Queue[str | None] = queue.Queue()
        self.stopping = threading.Event()
        self.maker = threading.Thread(target=self._make, daemon=True)
        self.dropper = threading.Thread(target=self._drop, daemon=True)
        self.maker.start()
        self.dropper.start()

    def take(self) -> str:
        return self.ready.get(timeout=120)

    def give_back(self, name: str) -> None:
        self.used.put(name)

    def close(self) -> None:
        self.stopping.set()
        self.maker.join(timeout=120)
        while not self.ready.empty():
            self.used.put(self.ready.get())
        self.used.put(None)
        self.dropper.join(timeout=300)

    def _make(self) -> None:
        while not self.stopping.is_set():
            name = f"orderb2b_t_{uuid.uuid4().hex[:12]}"
            _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            while True:
                try:
                    self.ready.put(name, timeout=0.2)
                    break
                except queue.Full:
                    if self.stopping.is_set():
                        self.used.put(name)
                        return

    def _drop(self) -> None:
        while (name := self.used.get()) is not None:
            _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_supply(pg_template):
    supply = DatabaseSupply(pg_template)
    yield supply
    supply.close()


@pytest.fixture
def pg_url(pg_supply):
    name = pg_supply.take()
    yield _database_url(name)
    pg_supply.give_back(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """An SQLite database migrated once per run; each test gets a copy of the file."""
    from core.storage.engine import make_engine
    from core.storage.migrate import upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "orderb2b.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with closing(sqlite3.connect(path)) as connection:  # all of it in the file itself
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def sqlite_url(tmp_path, sqlite_template):
    target = tmp_path / "orderb2b.db"
    shutil.copyfile(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Both storage paths: the embedded default and PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def amqp_prefix():
    """A queue and exchange prefix of this test's own, deleted afterwards."""
    require_service("RabbitMQ", "127.0.0.1", 5672)
    prefix = f"orderb2b-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    delete_topology(AMQP_URL, prefix)


# The processors' queues (hub/bootstrap.py) and those tests add.
PROCESSOR_QUEUES = [
    "normaliser",
    "punchout",
    "buyer_ship_notices",
    "invoices_sent",
    "mailer",
    "staff_notices",
    "mail_router",
    "failing",
    "recorder",
]


def delete_topology(amqp_url: str, prefix: str) -> None:
    import pika

    from hub.amqp.topology import Topology

    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        channel = connection.channel()
        topology = Topology(prefix, (1.0, 5.0, 30.0, 120.0))
        for name in topology.queues(PROCESSOR_QUEUES):
            channel.queue_delete(name)
        for exchange in (topology.exchange, topology.dead_exchange):
            channel.exchange_delete(exchange)
    finally:
        connection.close()


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def buyer():
    """A buyer's cXML endpoint on loopback: (URL, handler class with `received`)."""
    from tests.cxml_buyer import buyer_endpoint

    with buyer_endpoint() as endpoint:
        yield endpoint


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """argon2id at its lowest cost for the staff members tests make in-process (some
    hundreds of them; at the product's cost each takes about 0.2 s). The hashes are
    still argon2id and verified the same way; the product's cost is kept by the hub and
    CLI processes the end-to-end tests start."""
    from argon2 import PasswordHasher

    from core.model import staff

    product_hasher = staff._hasher
    staff._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    staff._hasher = product_hasher
