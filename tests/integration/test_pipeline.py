"""The ingestion pipeline on the embedded default and on PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, select, text

from core.errors import DeletionRefused
from core.model.documents import InboundDocument
from core.model.orders import Order
from core.storage import dead_letters, tables
from core.storage.migrate import head
from core.storage.queries import order_detail
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.delivery import InProcessDelivery
from hub.demo import load_demo, order_request
from hub.intake import CxmlIntake
from hub.partners import PartnerDirectory


class FailingProcessor:
    """Raises for the orders it is told to; records the rest."""

    name = "failing"
    routing_keys = ("order.received",)

    def __init__(self, poison: set[str]) -> None:
        self.poison = poison
        self.seen: list[str] = []

    def handle(self, event, uow) -> None:
        if event.external_order_id in self.poison:
            raise RuntimeError(f"cannot handle {event.external_order_id}")
        self.seen.append(event.external_order_id)


@pytest.fixture
def app(database_url, data_dir):
    config = Config(
        database_url=database_url,
        amqp_url=None,
        data_dir=data_dir,
        retry_delays=(0.01, 0.02),
        max_attempts=3,
    )
    app = bootstrap(config)
    load_demo(app.uow_factory)
    yield app
    app.close()


def intake_for(app) -> CxmlIntake:
    return CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)


def deliver(app) -> None:
    InProcessDelivery(app.bus, app.engine, app.config).drain(timeout=30)


def count(app, table) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def outbox_keys(app) -> list[str]:
    with app.engine.connect() as connection:
        return list(connection.execute(select(tables.outbox.c.routing_key)).scalars())


def test_document_is_kept_before_it_is_acknowledged(app):
    raw = order_request("PO-1")
    answer = intake_for(app).receive(raw, "127.0.0.1")
    assert answer.code == 200
    with app.uow_factory() as uow:
        document = uow.documents.get(answer.document_id)
        assert (document.state, document.raw, document.remote_addr) == (
            "received",
            raw,
            "127.0.0.1",
        )
        assert document.partner == "gsa-advantage"
    assert outbox_keys(app) == ["document.received"]


def test_order_is_created_exactly_once(app):
    intake = intake_for(app)
    document = order_request("PO-2", payload_id="p-2@buyer")
    first = intake.receive(document)
    deliver(app)
    again = intake.receive(document)
    deliver(app)
    assert (first.code, again.code) == (200, 200)
    assert count(app, tables.orders) == 1
    assert count(app, tables.inbound_documents) == 2
    assert outbox_keys(app).count("order.received") == 1
    with app.uow_factory() as uow:
        assert uow.documents.get(first.document_id).state == "processed"
        assert uow.documents.get(again.document_id).state == "duplicate"
        order = uow.orders.find_external("cxml", "gsa-advantage", "PO-2")
        assert len(order.lines) == 5
        assert order.inbound_document_id == first.document_id


def test_update_amends_the_order_with_history(app):
    intake = intake_for(app)
    intake.receive(order_request("PO-3", payload_id="p-3@buyer", lines=3))
    deliver(app)
    change = order_request("PO-3", payload_id="p-3b@buyer", lines=2, kind="update")
    assert intake.receive(change).code == 200
    deliver(app)
    with app.uow_factory() as uow:
        order = uow.orders.find_external("cxml", "gsa-advantage", "PO-3")
        assert [line.status for line in order.lines] == ["open", "open", "removed"]
        assert order.source_document_id == "p-3b@buyer"
        number = order.number
    detail = order_detail(app.engine, number)
    updates = [h for h in detail["history"] if h["action"] == "update"]
    line_update = next(h for h in updates if h["entity"] == "order_line")
    assert line_update["changes"]["status"] == {"old": "open", "new": "removed"}
    order_update = next(h for h in updates if h["entity"] == "order")
    assert order_update["changes"]["source_document_id"]["old"] == "p-3@buyer"
    assert order_update["actor_kind"] == "system"
    assert "order.amended" in outbox_keys(app)


def test_cancel_cancels_an_unshipped_order_and_flags_a_shipped_one(app):
    intake = intake_for(app)
    for order_id in ("PO-4", "PO-5"):
        intake.receive(order_request(order_id, payload_id=f"{order_id}@buyer"))
    deliver(app)
    with app.uow_factory() as uow:
        uow.orders.find_external("cxml", "gsa-advantage", "PO-5").status = "shipped"
        uow.commit()
    for order_id in ("PO-4", "PO-5"):
        cancel = order_request(order_id, payload_id=f"{order_id}-x@buyer", kind="delete")
        assert intake.receive(cancel).code == 200
    deliver(app)
    with app.uow_factory() as uow:
        cancelled = uow.orders.find_external("cxml", "gsa-advantage", "PO-4")
        shipped = uow.orders.find_external("cxml", "gsa-advantage", "PO-5")
        assert cancelled.status == "cancelled"
        assert shipped.status == "shipped" and shipped.needs_attention
        assert "after shipment" in shipped.attention_reason


def test_change_for_an_unknown_order_is_retried_then_dead_lettered(app):
    intake = intake_for(app)
    intake.receive(order_request("PO-404", payload_id="x@buyer", kind="update"))
    deliver(app)
    letters = dead_letters.listing(app.engine)
    assert [(d.processor, d.attempts) for d in letters] == [("normaliser", 3)]
    assert "OrderNotYetKnown" in letters[0].error


def test_wrong_secret_is_refused_and_kept(app):
    answer = intake_for(app).receive(order_request("PO-6", secret="guess"))
    assert answer.code == 401
    with app.uow_factory() as uow:
        document = uow.documents.get(answer.document_id)
        assert (document.state, document.partner) == ("rejected", None)
        assert "shared secret" in document.error
    assert count(app, tables.orders) == 0
    assert outbox_keys(app) == ["document.rejected"]


def test_deleting_an_audited_record_is_refused(app):
    intake_for(app).receive(order_request("PO-7"))
    deliver(app)
    with app.uow_factory() as uow:
        order = uow.scalars(select(Order)).one()
        uow.session.delete(order)
        with pytest.raises(DeletionRefused):
            uow.commit()
    for table in ("orders", "order_lines", "history", "inbound_documents"):
        with pytest.raises(Exception, match="never deleted"), app.engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {table}"))
    with app.engine.begin() as connection, pytest.raises(Exception, match="never deleted"):
        connection.execute(delete(tables.orders))
    assert count(app, tables.orders) == 1


def test_order_json_includes_history_with_who_and_what(app):
    intake_for(app).receive(order_request("PO-8", lines=2))
    deliver(app)
    with app.uow_factory() as uow:
        number = uow.scalars(select(Order.number)).one()
    detail = order_detail(app.engine, number)
    json.dumps(detail)
    [order_created] = [h for h in detail["history"] if h["action"] == "create"]
    assert (order_created["entity"], order_created["actor_kind"]) == ("order", "system")
    assert order_created["changes"]["external_order_id"] == {"old": None, "new": "PO-8"}
    assert order_created["changes"]["total_amount"]["new"] == "102.00"
    lines = order_created["changes"]["lines"]
    assert lines["old"] is None
    assert [(line["line_number"], line["quantity"]) for line in lines["new"]] == [
        (1, "1"),
        (2, "2"),
    ]
    assert [line["id"] for line in lines["new"]] == [line["id"] for line in detail["lines"]]


def test_a_failing_processor_dead_letters_one_message_and_replay_delivers_it(
    database_url, data_dir
):
    failing = FailingProcessor({"PO-BAD"})
    config = Config(
        database_url=database_url,
        amqp_url=None,
        data_dir=data_dir,
        retry_delays=(0.01,),
        max_attempts=2,
    )
    app = bootstrap(config, extra_processors=[failing])
    load_demo(app.uow_factory)
    intake = intake_for(app)
    for order_id in ("PO-A", "PO-BAD", "PO-B"):
        intake.receive(order_request(order_id))
    deliver(app)
    assert sorted(set(failing.seen)) == ["PO-A", "PO-B"]
    [letter] = dead_letters.listing(app.engine)
    assert (letter.processor, letter.routing_key, letter.attempts) == (
        "failing",
        "order.received",
        2,
    )
    assert "RuntimeError: cannot handle PO-BAD" in letter.error
    failing.poison.clear()
    dead_letters.replay(app.engine, letter.id)
    deliver(app)
    assert sorted(set(failing.seen)) == ["PO-A", "PO-B", "PO-BAD"]
    assert dead_letters.listing(app.engine) == []
    assert count(app, tables.orders) == 3
    app.close()


def test_redelivered_message_changes_nothing(app):
    intake_for(app).receive(order_request("PO-9"))
    deliver(app)
    with app.engine.begin() as connection:
        connection.execute(tables.outbox.update().values(sent_at=None))
    deliver(app)
    assert count(app, tables.orders) == 1
    assert outbox_keys(app).count("order.received") == 1
    with app.uow_factory() as uow:
        assert uow.scalars(select(InboundDocument.state)).all() == ["processed"]


def test_a_full_card_number_is_never_kept(app):
    document = order_request("PO-CARD").replace(
        b"<Shipping>",
        b'<Payment><PCard number="4111 1111 1111 1111" expiration="2028-09-30"/></Payment>'
        b"<Shipping>",
    )
    assert intake_for(app).receive(document).code == 200
    deliver(app)
    with app.engine.connect() as connection:
        stored = b"".join(connection.execute(select(tables.inbound_documents.c.raw)).scalars())
        orders = connection.execute(select(tables.orders.c.payment)).scalars().all()
    assert b"1111 1111 1111" not in stored and b"411111XXXXXX1111" in stored
    assert orders == [
        {
            "method": "card",
            "card_brand": "visa",
            "card_last4": "1111",
            "card_expiration": "2028-09",
            "net_days": None,
            "terms": None,
        }
    ]


def test_a_document_that_fails_mapping_after_acknowledgement_is_kept_as_failed(app):
    broken = order_request("PO-BROKEN").replace(b'quantity="2"', b'quantity="two"')
    answer = intake_for(app).receive(broken)
    assert answer.code == 200
    deliver(app)
    with app.uow_factory() as uow:
        document = uow.documents.get(answer.document_id)
        assert document.state == "failed"
        assert "quantity" in document.error
    assert count(app, tables.orders) == 0
    assert "document.failed" in outbox_keys(app)


def test_structural_errors_are_refused_at_the_edge(app):
    no_lines = order_request("PO-EMPTY", lines=1)
    start, end = no_lines.index(b"<ItemOut"), no_lines.index(b"</ItemOut>") + len(b"</ItemOut>")
    answer = intake_for(app).receive(no_lines[:start] + no_lines[end:])
    assert (answer.code, answer.message) == (400, "OrderRequest has no ItemOut")
    no_id = order_request("PO-X").replace(b'orderID="PO-X"', b"")
    assert intake_for(app).receive(no_id).code == 400


def test_db_upgrade_builds_an_empty_postgresql_database(monkeypatch, capsys, pg_template):
    import uuid

    from hub.cli import main
    from tests.conftest import _admin_execute, _database_url

    name = f"orderb2b_empty_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        monkeypatch.setenv("ORDERB2B_DATABASE_URL", _database_url(name))
        assert main(["db", "upgrade"]) == 0
        assert capsys.readouterr().out.strip() == f"database at revision {head()}"
        assert main(["orders", "list", "--json"]) == 0
        assert capsys.readouterr().out.strip() == "[]"
    finally:
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_build_exactly_the_schema_the_code_describes(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from core.storage.engine import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            assert compare_metadata(context, tables.metadata) == []
            if connection.dialect.name == "postgresql":
                assert _compression(connection) in ({"raw": "l", "changes": "l"}, {})
    finally:
        engine.dispose()


def test_every_never_deleted_table_keeps_its_delete_guard(database_url):
    """Guards are triggers, which a table rebuild (SQLite's batch migrations) drops."""
    from core.storage.engine import make_engine

    query = {
        "sqlite": "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"
        " AND name LIKE '%_never_deleted'",
        "postgresql": "SELECT tgrelid::regclass::text FROM pg_trigger"
        " WHERE tgname LIKE '%%_never_deleted'",
    }
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            guarded = set(connection.exec_driver_sql(query[connection.dialect.name]).scalars())
    finally:
        engine.dispose()
    assert guarded == set(tables.NEVER_DELETED)


def _compression(connection) -> dict:
    """lz4 ('l') where the server has it, else the default (none set)."""
    lz4 = connection.exec_driver_sql(
        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'"
        " AND 'lz4' = ANY(enumvals)"
    ).first()
    rows = connection.exec_driver_sql(
        "SELECT attname, attcompression FROM pg_attribute"
        " WHERE (attrelid, attname) IN (('inbound_documents'::regclass, 'raw'),"
        " ('history'::regclass, 'changes')) AND attcompression <> ''"
    ).all()
    found = dict(rows)
    assert bool(found) == bool(lz4)
    return found


def test_busy_tables_get_statistics_once_they_fill(pg_url, data_dir):
    from core.storage.statistics import MIN_ROWS, StatisticsKeeper

    app = bootstrap(Config(database_url=pg_url, amqp_url=None, data_dir=data_dir))
    try:
        load_demo(app.uow_factory)
        keeper = StatisticsKeeper(app.engine)
        assert "orders" not in (keeper.refresh() or [])
        documents = [(order_request(f"S-{n}"), None, None) for n in range(MIN_ROWS)]
        intake_for(app).receive_many(documents)
        deliver(app)
        with app.engine.connect() as connection:
            connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")
        assert "orders" in _refresh_until(keeper, "orders")
        with app.engine.connect() as connection:
            found = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'orders'"
            ).scalar_one()
        assert found > 0
    finally:
        app.close()


def _refresh_until(keeper, table: str) -> list[str]:
    import time

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        made = keeper.refresh() or []
        if table in made:
            return made
        time.sleep(0.2)
    return []
