"""Crashes and restarts with real processes: a worker killed with SIGKILL in the
middle of a load, and the broker stopped and started while documents keep coming.

Either way, every document the hub acknowledged with HTTP 200 must become exactly
one order, with nothing left in the outbox, the queues or the dead letters.
`orderb2b demo` queues a few sample orders of its own; they are counted as the
baseline and must come through as well.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.storage import tables
from core.storage.engine import make_engine
from hub.amqp.admin import queue_depths
from hub.amqp.topology import Topology
from hub.config import Config
from hub.demo import order_request
from tests.conftest import AMQP_URL
from tests.e2e.hub_process import REPO, HubProcess
from tests.reliability.private_rabbit import PrivateRabbit, rabbitmq_sbin

ORDERS = 2_000
POSTERS = 4
KILL_AT_ORDERS = 300
NORMALISER = "normaliser"
WORKER_DIED = "worker stopped by an error"


# -- environment --------------------------------------------------------------


def missing(message: str) -> None:
    """Fail in CI, skip on a developer machine (as tests.conftest.require_service)."""
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must provide it", pytrace=False)
    pytest.skip(f"{message}; install it to run this test (skipped on a developer machine only)")


def hub_environment(data_dir: Path, database_url: str, amqp_url: str, prefix: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERB2B_")}
    env.update(
        ORDERB2B_DATA_DIR=str(data_dir),
        ORDERB2B_DATABASE_URL=database_url,
        ORDERB2B_AMQP_URL=amqp_url,
        ORDERB2B_AMQP_PREFIX=prefix,
    )
    return env


def load_demo(env: dict) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", "demo"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture
def engine(pg_url):
    made = make_engine(pg_url, pool_size=2)
    yield made
    made.dispose()


@pytest.fixture
def shared_broker_env(pg_url, amqp_prefix, data_dir) -> dict:
    env = hub_environment(data_dir, pg_url, AMQP_URL, amqp_prefix)
    load_demo(env)
    return env


@pytest.fixture
def private_rabbit(tmp_path):
    sbin = rabbitmq_sbin()
    if sbin is None:
        missing("rabbitmq-server is not installed")
    rabbit = PrivateRabbit(tmp_path / "rabbit", sbin)
    try:
        yield rabbit.start()
    finally:
        rabbit.stop()
        rabbit.kill()


# -- posting ------------------------------------------------------------------


class Poster(threading.Thread):
    """Posts one order per id over a keep-alive connection; keeps every answer."""

    def __init__(self, port: int, order_ids: Iterable[str], stopping: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.order_ids = order_ids
        self.stopping = stopping
        self.answers: dict[str, int | str] = {}

    def run(self) -> None:
        connection = None
        for order_id in self.order_ids:
            if self.stopping.is_set():
                break
            connection = connection or http.client.HTTPConnection("127.0.0.1", self.port, 30)
            try:
                self.answers[order_id] = self._post(connection, order_request(order_id))
            except (OSError, http.client.HTTPException) as error:
                self.answers[order_id] = repr(error)
                connection.close()
                connection = None
        if connection is not None:
            connection.close()

    @staticmethod
    def _post(connection: http.client.HTTPConnection, body: bytes) -> int:
        connection.request("POST", "/cxml", body, {"Content-Type": "text/xml"})
        response = connection.getresponse()
        response.read()
        return response.status


class Posting:
    """Poster threads, one per chunk of ids; leaving the block always stops them."""

    def __init__(self, port: int, chunks: list[Iterable[str]]) -> None:
        self.stopping = threading.Event()
        self.posters = [Poster(port, chunk, self.stopping) for chunk in chunks]

    def __enter__(self) -> Posting:
        for poster in self.posters:
            poster.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop(0)

    def stop(self, grace: float) -> None:
        """Let the posters run out of ids for up to `grace` seconds, then stop them."""
        deadline = time.monotonic() + grace
        for poster in self.posters:
            poster.join(max(0.0, deadline - time.monotonic()))
        self.stopping.set()
        for poster in self.posters:
            poster.join(35)
        assert not any(p.is_alive() for p in self.posters), "posters did not stop"

    def answered(self) -> int:
        return sum(len(p.answers) for p in self.posters)

    def acknowledged(self) -> set[str]:
        return {i for p in self.posters for i, s in list(p.answers.items()) if s == 200}

    def refused(self) -> dict[str, int | str]:
        return {i: s for p in self.posters for i, s in list(p.answers.items()) if s != 200}


# -- observing ----------------------------------------------------------------


def wait_until(condition: Callable[[], bool], timeout: float, describe: Callable[[], str]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not reached within {timeout:.0f} s\n{describe()}")


def count_rows(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def database_state(engine) -> dict:
    orders, documents, outbox = tables.orders.c, tables.inbound_documents.c, tables.outbox.c
    with engine.connect() as connection:
        states = connection.execute(
            select(documents.state, func.count()).group_by(documents.state)
        ).all()
        external_ids = connection.execute(select(orders.external_order_id)).scalars().all()
        unsent = connection.execute(
            select(func.count()).select_from(tables.outbox).where(outbox.sent_at.is_(None))
        ).scalar_one()
    return {
        "orders": len(external_ids),
        "external_ids": set(external_ids),
        "documents": dict(states),
        "outbox_unsent": unsent,
        "dead_letters": count_rows(engine, tables.dead_letters),
    }


def broker_state(amqp_url: str, prefix: str) -> dict:
    topology = Topology(prefix, Config.retry_delays)
    depths = queue_depths(amqp_url, topology, [NORMALISER])
    absent = {"messages": None, "consumers": None}
    return {
        "normaliser": depths.get(topology.queue(NORMALISER), absent),
        "dead": depths.get(topology.dead_queue, absent),
    }


def settled(amqp_url: str, engine, prefix: str, expected_orders: int) -> bool:
    state = database_state(engine)
    return (
        state["orders"] == expected_orders
        and state["outbox_unsent"] == 0
        and state["documents"] == {"processed": expected_orders}
        and broker_state(amqp_url, prefix)["normaliser"]["messages"] == 0
    )


def snapshot(engine) -> str:
    state = database_state(engine)
    return str({k: v for k, v in state.items() if k != "external_ids"})


def assert_exactly_once(amqp_url, engine, prefix, order_ids: set[str], baseline, describe):
    state, queues = database_state(engine), broker_state(amqp_url, prefix)
    message = f"{queues}\n{describe()}"
    expected = baseline + len(order_ids)
    assert state["orders"] == len(state["external_ids"]) == expected, message
    assert order_ids <= state["external_ids"], message
    assert state["documents"] == {"processed": expected}, message
    assert state["outbox_unsent"] == 0, message
    assert state["dead_letters"] == 0, message
    assert queues["normaliser"]["messages"] == 0, message
    assert queues["dead"]["messages"] == 0, message


def wait_for_consumer(worker: HubProcess, prefix: str, timeout: float = 30.0) -> None:
    def ready() -> bool:
        assert worker.process.poll() is None, f"worker exited\n{tail(worker.log_path)}"
        return broker_state(AMQP_URL, prefix)["normaliser"]["consumers"] == 1

    wait_until(ready, timeout, lambda: tail(worker.log_path))


def tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not Path(path).is_file():
        return f"(no log at {path})"
    text = Path(path).read_text(errors="replace").splitlines()[-lines:]
    return f"--- {Path(path).name}\n" + "\n".join(text)


def log_text(*paths: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in paths if p.is_file())


# -- 1. a worker killed with SIGKILL in the middle of a load --------------------


def test_worker_killed_mid_ingest_then_restarted(shared_broker_env, engine, amqp_prefix, tmp_path):
    env, baseline = shared_broker_env, count_rows(engine, tables.inbound_documents)
    logs = [tmp_path / name for name in ("hub.log", "worker-1.log", "worker-2.log")]

    def describe() -> str:
        return "\n".join([snapshot(engine), *map(tail, logs)])

    order_ids = [f"KILL-{n:05d}" for n in range(ORDERS)]
    expected = baseline + ORDERS
    with (
        HubProcess(env, roles="http,relay", log_path=logs[0]) as hub,
        HubProcess(env, roles="worker", log_path=logs[1]) as first,
    ):
        wait_for_consumer(first, amqp_prefix)
        with Posting(hub.port, [order_ids[i::POSTERS] for i in range(POSTERS)]) as posting:
            wait_until(lambda: count_rows(engine, tables.orders) >= KILL_AT_ORDERS, 60, describe)
            first.kill()
            killed_at = (count_rows(engine, tables.orders), posting.answered())
            wait_until(lambda: posting.answered() >= killed_at[1] + 200, 60, describe)
            with HubProcess(env, roles="worker", log_path=logs[2]) as second:
                wait_for_consumer(second, amqp_prefix)
                posting.stop(grace=90)
                wait_until(lambda: settled(AMQP_URL, engine, amqp_prefix, expected), 120, describe)
                assert second.process.poll() is None, describe()
        assert hub.process.poll() is None, describe()
    assert killed_at[0] < expected and killed_at[1] < ORDERS, f"killed too late: {killed_at}"
    assert posting.refused() == {}, describe()
    assert posting.acknowledged() == set(order_ids)
    assert WORKER_DIED not in log_text(*logs), describe()
    assert_exactly_once(AMQP_URL, engine, amqp_prefix, set(order_ids), baseline, describe)


# -- 2. the broker restarted while documents keep arriving ----------------------


def test_broker_restart_while_documents_keep_arriving(
    private_rabbit, pg_url, engine, data_dir, tmp_path
):
    prefix = f"orderb2b-test-{uuid.uuid4().hex[:10]}"
    env = hub_environment(data_dir, pg_url, private_rabbit.url, prefix)
    load_demo(env)
    baseline = count_rows(engine, tables.inbound_documents)
    log = tmp_path / "hub.log"

    def describe() -> str:
        return "\n".join([snapshot(engine), tail(log), private_rabbit.log_tail(10)])

    with HubProcess(env, log_path=log) as hub:
        with Posting(hub.port, [(f"RMQ-{n:05d}" for n in count())]) as posting:
            wait_until(lambda: count_rows(engine, tables.orders) >= baseline + 50, 60, describe)
            private_rabbit.stop()
            keep_posting(posting, hub, 100, describe)
            private_rabbit.start()
            keep_posting(posting, hub, 100, describe)
            posting.stop(grace=0)
        expected = baseline + len(posting.acknowledged())
        wait_until(lambda: settled(private_rabbit.url, engine, prefix, expected), 90, describe)
        assert hub.process.poll() is None, describe()
    assert posting.refused() == {}, describe()
    assert "connection lost" in log_text(log), "the hub never noticed the broker was down"
    assert WORKER_DIED not in log_text(log), describe()
    assert_exactly_once(
        private_rabbit.url, engine, prefix, posting.acknowledged(), baseline, describe
    )


def keep_posting(posting: Posting, hub: HubProcess, more: int, describe) -> None:
    """Wait for `more` further answers; the hub must stay up meanwhile."""
    target = posting.answered() + more

    def done() -> bool:
        assert hub.process.poll() is None, f"hub exited\n{describe()}"
        return posting.answered() >= target

    wait_until(done, 60, describe)
