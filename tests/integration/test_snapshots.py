"""Marketplace orders arrive whole each time they change: later versions amend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core import commands
from core.canonical import Address, CanonicalOrder, OrderLine
from core.handlers.orders import ingest_orders
from core.storage.queries import order_detail
from hub.bootstrap import bootstrap
from hub.config import Config

PENDING = CanonicalOrder(
    channel="mws",
    partner="amazon",
    external_order_id="114-0381722-0019440",
    order_date=datetime(2026, 11, 2, 18, 4, tzinfo=UTC),
    currency="USD",
    lines=(OrderLine(1, Decimal("2"), "EA", supplier_part_id="00421-BLK"),),
    source_document_id="114-0381722-0019440@2026-11-02T18:04:00Z",
    source_version="2026-11-02T18:04:00Z",
)
UNSHIPPED = replace(
    PENDING,
    source_document_id="114-0381722-0019440@2026-11-02T18:40:12Z",
    source_version="2026-11-02T18:40:12Z",
    ship_to=Address(name="Dana Ruiz", street=("12 Elm St",), city="Salem", postal_code="01970"),
)


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


def ingest(app, order: CanonicalOrder):
    return app.bus.execute(commands.IngestOrder(order))


def test_a_later_version_amends_and_an_earlier_or_same_one_is_a_duplicate(app):
    outcome, number = ingest(app, PENDING)
    assert outcome == "created"
    assert ingest(app, UNSHIPPED) == ("amended", number)
    assert ingest(app, PENDING) == ("duplicate", number)
    assert ingest(app, UNSHIPPED) == ("duplicate", number)
    detail = order_detail(app.engine, number)
    assert detail["ship_to"]["postal_code"] == "01970"
    assert [entry["action"] for entry in detail["history"]] == ["create", "update"]


def test_two_versions_in_one_batch_create_then_amend(app):
    batch = [commands.IngestOrder(PENDING), commands.IngestOrder(UNSHIPPED)]
    with app.uow_factory() as uow:
        outcomes = ingest_orders(batch, uow)
        uow.commit()
    assert [outcome for outcome, _ in outcomes] == ["created", "amended"]
    assert order_detail(app.engine, outcomes[0][1])["ship_to"]["city"] == "Salem"


def test_a_cxml_resend_with_a_new_payload_id_stays_a_duplicate(app):
    cxml = replace(PENDING, channel="cxml", partner="gsa-advantage")
    _, number = ingest(app, cxml)
    assert ingest(app, replace(cxml, source_version="9", source_document_id="p2")) == (
        "duplicate",
        number,
    )


def test_an_order_cancelled_before_we_saw_it_is_kept_as_cancelled(app):
    cancelled = replace(
        UNSHIPPED,
        change_kind="cancel",
        changes_order_ref=PENDING.external_order_id,
        source_version="2026-11-02T19:00:00Z",
        source_document_id="114-0381722-0019440@2026-11-02T19:00:00Z",
    )
    outcome, number = ingest(app, cancelled)
    assert outcome == "cancelled"
    detail = order_detail(app.engine, number)
    assert detail["status"] == "cancelled" and len(detail["lines"]) == 1
    assert ingest(app, cancelled) == ("duplicate", number)
    assert ingest(app, PENDING) == ("duplicate", number)


def test_a_snapshot_older_than_the_cancellation_changes_nothing(app):
    _, number = ingest(app, PENDING)
    cancelled = replace(
        PENDING,
        change_kind="cancel",
        changes_order_ref=PENDING.external_order_id,
        source_version="2026-11-02T19:00:00Z",
        source_document_id="114-0381722-0019440@2026-11-02T19:00:00Z",
    )
    assert ingest(app, cancelled) == ("cancelled", number)
    assert ingest(app, UNSHIPPED) == ("duplicate", number)
    assert order_detail(app.engine, number)["status"] == "cancelled"
