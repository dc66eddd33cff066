"""X12 interchanges at the edge: kept with their 997, re-sends recognised, refusals kept."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from adapters.x12.envelope import read_interchange
from adapters.x12.parse import parse
from core import commands
from core.ports import SYSTEM
from core.storage import tables
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.delivery import InProcessDelivery
from hub.partners import PartnerDirectory
from hub.x12_intake import X12Intake
from tests.conftest import FIXTURES

VA = (FIXTURES / "x12" / "va_it_equipment.edi").read_bytes()
MERCY = (FIXTURES / "x12" / "mercy_multi_group.edi").read_bytes()


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    for code, raw in (("va-fsc", VA), ("mercy", MERCY)):
        sender = read_interchange(raw)
        settings = {"x12_qualifier": sender.sender_qualifier, "x12_id": sender.sender_id}
        app.bus.execute(commands.AddPartner(code, code.upper(), "x12", settings), SYSTEM)
    yield app
    app.close()


def intake(app, max_bytes: int = 1024 * 1024) -> X12Intake:
    return X12Intake(app.bus, app.uow_factory, PartnerDirectory(app.uow_factory), max_bytes)


def drain(app) -> None:
    InProcessDelivery(app.bus, app.engine, app.config).drain()


def rows(app, table, *where):
    with app.engine.connect() as connection:
        return connection.execute(select(table).where(*where).order_by(table.c.id)).all()


def order_ids(app) -> list[str]:
    return [row.external_order_id for row in rows(app, tables.orders)]


def segments(ack: bytes) -> list[str]:
    return [s.strip() for s in ack.decode().split("~") if s.strip()]


def test_an_accepted_interchange_becomes_orders_and_a_997(app):
    answer = intake(app).receive(MERCY)
    assert answer.code == 200 and not answer.duplicate
    ack = segments(answer.acknowledgement)
    assert ack[0].startswith("ISA*00*") and "*ZZ*MERCYHEALTH    *" in ack[0]
    assert [s for s in ack if s.startswith("AK9")] == ["AK9*A*2*2*2", "AK9*A*1*1*1"]
    drain(app)
    assert sorted(order_ids(app)) == sorted(order.external_order_id for order in parse(MERCY))
    (document,) = rows(app, tables.inbound_documents)
    assert (document.state, document.partner) == ("processed", "mercy")
    (kept_ack,) = rows(app, tables.outbound_documents)
    assert (kept_ack.kind, kept_ack.state, kept_ack.raw) == (
        "functional_ack",
        "sent",
        answer.acknowledgement,
    )
    (interchange,) = rows(app, tables.x12_interchanges)
    assert (interchange.sender_id, interchange.control_number) == ("MERCYHEALTH", "000120455")


def test_a_resent_interchange_gets_the_same_997_and_changes_nothing(app):
    first = intake(app).receive(VA)
    drain(app)
    again = intake(app).receive(VA)
    drain(app)
    assert again.duplicate and again.acknowledgement == first.acknowledgement
    assert order_ids(app) == ["36C24E25P0431"]
    states = [row.state for row in rows(app, tables.inbound_documents)]
    assert states == ["processed", "duplicate"]
    assert len(rows(app, tables.outbound_documents)) == 1


def test_control_numbers_of_our_997s_count_up_per_partner(app):
    first = read_interchange(intake(app).receive(VA).acknowledgement)
    second_raw = VA.replace(b"*000004127*", b"*000004128*").replace(
        b"IEA*1*000004127", b"IEA*1*000004128"
    )
    second = read_interchange(intake(app).receive(second_raw).acknowledgement)
    assert (first.control_number, second.control_number) == ("000000001", "000000002")
    assert [g.control_number for g in first.groups + second.groups] == ["1", "2"]


def test_a_wrong_segment_count_is_rejected_in_the_997_and_makes_no_order(app):
    bad = VA.replace(b"SE*", b"SE*9", 1)
    answer = intake(app).receive(bad)
    assert answer.code == 200
    ack = segments(answer.acknowledgement)
    assert any(s.startswith("AK5*R") for s in ack) and any(s.startswith("AK9*R") for s in ack)
    drain(app)
    assert order_ids(app) == []
    (document,) = rows(app, tables.inbound_documents)
    assert document.state == "rejected" and "SE01" in document.error and document.raw == bad


def test_only_the_good_purchase_orders_of_an_interchange_become_orders(app):
    bad = MERCY.replace(b"PO1*1*12*BX*", b"PO1*1*0*BX*", 1)
    answer = intake(app).receive(bad)
    ak9 = [s for s in segments(answer.acknowledgement) if s.startswith("AK9")]
    assert ak9[0].startswith("AK9*P*2*2*1") and ak9[1].startswith("AK9*A")
    drain(app)
    assert len(order_ids(app)) == 2 and "4500198811" not in order_ids(app)


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (VA.replace(b"VAFSCEDI       ", b"STRANGER       "), 401, "unknown sender ZZ/STRANGER"),
        (b"ISA*00*truncated", 400, "ISA"),
        (b"<cXML/>", 400, "not an X12 interchange"),
    ],
)
def test_refused_interchanges_are_kept_with_the_reason(app, raw, code, message):
    answer = intake(app).receive(raw)
    assert (answer.code, answer.acknowledgement) == (code, b"") and message in answer.message
    (document,) = rows(app, tables.inbound_documents)
    assert (document.state, document.raw) == ("rejected", raw)
    with app.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(tables.orders)).scalar() == 0


def test_an_oversized_interchange_is_refused_and_kept_truncated(app):
    answer = intake(app, max_bytes=1000).receive(VA + b" " * 2000)
    assert answer.code == 413
    (document,) = rows(app, tables.inbound_documents)
    assert document.state == "rejected" and len(document.raw) <= 64 * 1024


def test_a_partner_with_a_shared_secret_must_present_it_in_isa04(app):
    app.bus.execute(commands.ChangePartner("va-fsc", {}, shared_secret="S3CRET-04"), SYSTEM)
    missing = intake(app).receive(VA)
    assert (missing.code, missing.message) == (401, "ISA04 security information does not match")
    presented = VA.replace(b"ISA*00*          *00*          *", b"ISA*00*          *01*S3CRET-04 *")
    answer = intake(app).receive(presented)
    assert answer.code == 200 and b"AK9*A*1*1*1~" in answer.acknowledgement
    assert [row.state for row in rows(app, tables.inbound_documents)] == ["rejected", "received"]
