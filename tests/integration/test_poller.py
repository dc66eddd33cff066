"""A marketplace poller keeps each page through the pipeline, then moves its cursor."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.storage import tables
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.delivery import InProcessDelivery
from hub.ingest import keep_polled
from hub.pollers.base import OVERLAP, Poller, PollFailed, Throttled
from hub.pollers.cursors import SqlCursorStore
from tests.conftest import FIXTURES

PAGES = [
    (FIXTURES / "newegg" / "single_order.xml").read_bytes(),
    (FIXTURES / "newegg" / "page_three_orders.xml").read_bytes(),
]
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


class Pages:
    """A source serving fixed pages, then failing the way it was told to."""

    channel, partner = "newegg", "newegg-us"

    def __init__(self, pages, then: Exception | None = None) -> None:
        self.pages, self.then, self.asked_since = pages, then, []

    def fetch(self, since):
        self.asked_since.append(since)
        yield from self.pages
        if self.then:
            raise self.then


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def poller(app, source) -> Poller:
    return Poller(source, keep_polled(app), SqlCursorStore(app.engine), clock=lambda: NOW)


def count(app, table) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar()


def test_pages_become_orders_and_the_cursor_moves_back_by_the_overlap(app):
    source = Pages(PAGES)
    result = poller(app, source).poll_once()
    assert (result.documents, result.cursor) == (2, NOW - OVERLAP)
    InProcessDelivery(app.bus, app.engine, app.config).drain()
    assert count(app, tables.inbound_documents) == 2
    orders = count(app, tables.orders)
    assert orders >= 3
    poller(app, Pages(PAGES)).poll_once()
    InProcessDelivery(app.bus, app.engine, app.config).drain()
    assert count(app, tables.orders) == orders, "a second poll of the same pages adds nothing"
    later = Pages([])
    poller(app, later).poll_once()
    assert later.asked_since == [NOW - OVERLAP]


@pytest.mark.parametrize(
    ("failure", "wait_at_least"),
    [(Throttled(90.0), 90.0), (PollFailed("newegg.example: connection refused"), 1.0)],
)
def test_a_failure_keeps_what_was_fetched_and_leaves_the_cursor(app, failure, wait_at_least):
    store = SqlCursorStore(app.engine)
    store.save("newegg:newegg-us", NOW - timedelta(days=1), 0, None)
    result = poller(app, Pages(PAGES[:1], then=failure)).poll_once()
    assert result.documents == 1 and result.wait >= wait_at_least
    assert store.load("newegg:newegg-us") == NOW - timedelta(days=1)
    assert count(app, tables.inbound_documents) == 1
    with app.engine.connect() as connection:
        state = connection.execute(select(tables.poller_state)).one()
    assert state.last_error and state.documents == 1


def test_one_process_at_a_time_polls_an_account(pg_url, data_dir):
    app = bootstrap(Config(database_url=pg_url, amqp_url=None, data_dir=data_dir))
    try:
        store = SqlCursorStore(app.engine)
        first = Poller(Pages(PAGES), keep_polled(app), store, clock=lambda: NOW, lease=store.hold)
        second_source = Pages(PAGES)
        second = Poller(second_source, keep_polled(app), store, lease=store.hold)
        with store.hold(first.name) as mine:
            assert mine
            waiting = second.poll_once()
        assert (waiting.documents, second_source.asked_since) == (0, [])
        assert first.poll_once().documents == 2
    finally:
        app.close()


def test_a_page_over_the_size_limit_is_kept_truncated_as_rejected(database_url, data_dir):
    config = Config(database_url=database_url, amqp_url=None, data_dir=data_dir)
    app = bootstrap(replace(config, max_document_bytes=1000))
    try:
        assert poller(app, Pages(PAGES[:1])).poll_once().documents == 1
        with app.engine.connect() as connection:
            (document,) = connection.execute(select(tables.inbound_documents)).all()
        assert (document.state, len(document.raw)) == ("rejected", len(PAGES[0]))
        assert "larger than 1000 bytes" in document.error
    finally:
        app.close()
