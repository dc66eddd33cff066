"""PunchOut sessions through the core handlers, on SQLite and on PostgreSQL: opened
by a setup request at the cXML edge, started once, shopped, returned, and closed by
the buyer's order for the cart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from sqlalchemy import func, select, update

from core import commands
from core.model.punchout import (
    EXPIRED,
    ORDERED,
    RETURNED,
    STARTED,
    PunchOutRefused,
    PunchOutSession,
    aux_id,
    parse_aux_id,
    quantity_of,
    token_hash,
)
from core.storage import tables
from hub.bootstrap import bootstrap
from hub.config import Config
from hub.delivery import InProcessDelivery
from hub.demo import DEMO_SECRET, load_demo
from hub.intake import CxmlIntake
from hub.partners import PartnerDirectory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cxml" / "punchout"
GSA = ("NetworkID", "GSA-ADVANTAGE")
DOD = ("DUNS", "807381195")


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    load_demo(app.uow_factory)
    yield app
    app.close()


def from_partner(name: str, partner: tuple[str, str] = GSA, secret: str = DEMO_SECRET) -> bytes:
    """A setup request fixture, sent with a demo partner's credentials."""
    tree = etree.fromstring((FIXTURES / name).read_bytes()).getroottree()
    domain, identity = partner
    for credential in tree.xpath("/cXML/Header/From/Credential | /cXML/Header/Sender/Credential"):
        credential.set("domain", domain)
        credential.find("Identity").text = identity
    tree.find("Header/Sender/Credential/SharedSecret").text = secret
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def order_request(order_id: str, items, partner: tuple[str, str] = GSA) -> bytes:
    """The buyer's OrderRequest for a returned cart: (part, aux id, quantity, price, unit)."""
    domain, identity = partner
    credential = f'<Credential domain="{domain}"><Identity>{identity}</Identity>'
    lines = "".join(
        f'<ItemOut quantity="{quantity}" lineNumber="{n}"><ItemID>'
        f"<SupplierPartID>{escape(part)}</SupplierPartID>"
        f"<SupplierPartAuxiliaryID>{escape(aux)}</SupplierPartAuxiliaryID></ItemID>"
        f'<ItemDetail><UnitPrice><Money currency="USD">{price}</Money></UnitPrice>'
        f'<Description xml:lang="en">{escape(part)}</Description>'
        f"<UnitOfMeasure>{unit}</UnitOfMeasure></ItemDetail></ItemOut>"
        for n, (part, aux, quantity, price, unit) in enumerate(items, start=1)
    )
    total = sum(Decimal(quantity) * Decimal(price) for _, _, quantity, price, _ in items)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="{order_id}@p2p.buyer.example.gov" timestamp="2025-06-21T09:00:00-04:00">
<Header><From>{credential}</Credential></From>
<To><Credential domain="DUNS"><Identity>123456789</Identity></Credential></To>
<Sender>{credential}<SharedSecret>{DEMO_SECRET}</SharedSecret></Credential>
<UserAgent>Coupa Procurement 1.0</UserAgent></Sender></Header>
<Request><OrderRequest><OrderRequestHeader orderID="{order_id}" orderDate="2025-06-21">
<Total><Money currency="USD">{total}</Money></Total></OrderRequestHeader>
{lines}</OrderRequest></Request></cXML>""".encode()


def intake_for(app) -> CxmlIntake:
    return CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), 1_000_000)


def deliver(app) -> None:
    InProcessDelivery(app.bus, app.engine, app.config).drain(timeout=30)


def opened(app, name: str = "create.xml", partner: tuple[str, str] = GSA):
    answer = intake_for(app).receive(from_partner(name, partner), "10.20.30.40")
    assert (answer.code, answer.message) == (200, "PunchOut session opened")
    return answer


def started(app, name: str = "create.xml") -> str:
    answer = opened(app, name)
    return app.bus.execute(commands.StartPunchOutSession(answer.start_token)).browser_key


def session_row(app, **where):
    with app.engine.connect() as connection:
        query = select(tables.punchout_sessions).filter_by(**where)
        return connection.execute(query).one()


def outbox_keys(app) -> list[str]:
    with app.engine.connect() as connection:
        return list(connection.execute(select(tables.outbox.c.routing_key)).scalars())


def add(app, key: str, sku: str, quantity: str = "1") -> None:
    app.bus.execute(commands.AddToPunchOutCart(key, sku, quantity))


def cart_of(app, key: str) -> list[tuple[int, str, str]]:
    from core.handlers.punchout import shopping_view

    with app.uow_factory() as uow:
        view = shopping_view(key, uow)
    return [(e.line, e.item.sku, format(e.quantity, "f")) for e in view.entries]


# Opening and starting


def test_a_setup_request_is_kept_and_opens_a_session(app):
    answer = opened(app)
    row = session_row(app, document_id=answer.document_id)
    assert (row.partner, row.operation, row.state) == ("gsa-advantage", "create", "opened")
    assert row.buyer_cookie == "7f3a9c0e51d24b8e9a6f0c2d4e8b1a37"
    assert row.browser_form_post_url.endswith("/punchout/checkout?id=4187")
    assert row.request_payload_id.endswith("@prd-app07.commonwealth-state.coupahost.com")
    assert row.start_token == token_hash(answer.start_token) != answer.start_token
    assert row.browser_key is None
    assert row.buyer["user_email"] == "d.osullivan@commonwealth-state.edu"
    assert row.buyer["ship_to"]["postal_code"] == "02115"
    assert row.buyer["supplier_credential"] == {"domain": "DUNS", "identity": "123456789"}
    with app.uow_factory() as uow:
        document = uow.documents.get(answer.document_id)
        assert (document.state, document.partner, document.remote_addr) == (
            "processed",
            "gsa-advantage",
            "10.20.30.40",
        )
        assert b"PunchOutSetupRequest" in document.raw
    assert outbox_keys(app) == []


def test_a_wrong_secret_is_refused_kept_and_opens_nothing(app):
    answer = intake_for(app).receive(from_partner("create.xml", secret="guess"))
    assert answer.code == 401 and answer.start_token is None
    with app.uow_factory() as uow:
        assert uow.documents.get(answer.document_id).state == "rejected"
    with app.engine.connect() as connection:
        query = select(func.count()).select_from(tables.punchout_sessions)
        assert connection.execute(query).scalar_one() == 0


def test_a_setup_request_with_a_bad_return_url_is_refused(app):
    data = from_partner("create.xml").replace(
        b"https://commonwealth-state.coupahost.com/punchout/checkout?id=4187", b"javascript:x()"
    )
    answer = intake_for(app).receive(data)
    assert answer.code == 400 and "BrowserFormPost URL" in answer.message


def test_setup_requests_and_orders_in_one_batch_are_answered_in_order(app):
    answers = intake_for(app).receive_many(
        [
            (order_request("PO-B1", [("00412-BK", "x", "1", "89.50", "EA")]), None, None),
            (from_partner("create.xml"), None, None),
            (b"not xml", None, None),
        ]
    )
    assert [(a.code, a.start_token is not None) for a in answers] == [
        (200, False),
        (200, True),
        (400, False),
    ]
    assert len({a.document_id for a in answers}) == 3


def test_the_start_token_works_once(app):
    answer = opened(app)
    first = app.bus.execute(commands.StartPunchOutSession(answer.start_token))
    assert first.operation == "create"
    row = session_row(app, document_id=answer.document_id)
    assert (row.state, row.browser_key) == (STARTED, token_hash(first.browser_key))
    with pytest.raises(PunchOutRefused, match="used already"):
        app.bus.execute(commands.StartPunchOutSession(answer.start_token))
    with pytest.raises(PunchOutRefused, match="not known"):
        app.bus.execute(commands.StartPunchOutSession("made-up-token"))
    assert session_row(app, document_id=answer.document_id).browser_key == row.browser_key


def test_a_start_link_not_used_in_time_expires(app):
    answer = opened(app)
    past = datetime.now(UTC) - timedelta(seconds=1)
    with app.engine.begin() as connection:
        connection.execute(update(tables.punchout_sessions).values(expires_at=past))
    with pytest.raises(PunchOutRefused, match="expired"):
        app.bus.execute(commands.StartPunchOutSession(answer.start_token))
    assert session_row(app, document_id=answer.document_id).state == EXPIRED


def test_an_expired_session_refuses_every_page(app):
    key = started(app)
    add(app, key, "00412-BK")
    past = datetime.now(UTC) - timedelta(minutes=1)
    with app.engine.begin() as connection:
        connection.execute(update(tables.punchout_sessions).values(expires_at=past))
    with pytest.raises(PunchOutRefused, match="expired"):
        cart_of(app, key)
    assert session_row(app, browser_key=token_hash(key)).state == EXPIRED
    for command in (
        commands.AddToPunchOutCart(key, "MON-27-4K", "1"),
        commands.ReturnPunchOutCart(key),
    ):
        with pytest.raises(PunchOutRefused, match="expired"):
            app.bus.execute(command)


def test_an_unknown_browser_key_is_refused(app):
    started(app)
    with pytest.raises(PunchOutRefused, match="no PunchOut session"):
        cart_of(app, "not-a-key")


# The cart


def test_cart_lines_are_priced_from_the_catalog(app):
    key = started(app)
    add(app, key, "00412-BK", "2")
    add(app, key, "7510-01-454-1234", "12")
    add(app, key, "00412-BK", "1")
    assert cart_of(app, key) == [(1, "00412-BK", "3"), (2, "7510-01-454-1234", "12")]
    app.bus.execute(commands.ChangePunchOutCartLine(key, 2, "10"))
    app.bus.execute(commands.RemovePunchOutCartLine(key, 1))
    add(app, key, "MON-27-4K", "1")
    assert cart_of(app, key) == [(2, "7510-01-454-1234", "10"), (3, "MON-27-4K", "1")]
    row = session_row(app, browser_key=token_hash(key))
    assert [(line["sku"], line["price"]) for line in row.cart] == [
        ("7510-01-454-1234", "6.25"),
        ("MON-27-4K", "519.99"),
    ]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (lambda key: commands.AddToPunchOutCart(key, "NOT-A-PART", "1"), "not in the catalog"),
        (lambda key: commands.AddToPunchOutCart(key, "00412-BK", "0"), "more than 0"),
        (lambda key: commands.AddToPunchOutCart(key, "00412-BK", "two"), "not a number"),
        (lambda key: commands.AddToPunchOutCart(key, "00412-BK", "1.0005"), "three decimals"),
        (lambda key: commands.AddToPunchOutCart(key, "00412-BK", "1e9"), "at most 999999"),
        (lambda key: commands.ChangePunchOutCartLine(key, 7, "1"), "no line 7"),
        (lambda key: commands.RemovePunchOutCartLine(key, 7), "no line 7"),
    ],
)
def test_cart_changes_that_cannot_be_made_are_refused(app, command, message):
    key = started(app)
    add(app, key, "00412-BK", "2")
    with pytest.raises(PunchOutRefused, match=message):
        app.bus.execute(command(key))
    assert cart_of(app, key) == [(1, "00412-BK", "2")]


def test_one_currency_per_cart(app):
    with app.engine.begin() as connection:
        connection.execute(
            update(tables.products)
            .where(tables.products.c.sku == "MON-27-4K")
            .values(currency="EUR")
        )
    key = started(app)
    add(app, key, "00412-BK")
    with pytest.raises(PunchOutRefused, match="priced in EUR; this cart is in USD"):
        add(app, key, "MON-27-4K")


def test_catalog_search_matches_part_description_and_maker(app):
    from core.handlers.punchout import search_catalog

    key = started(app)
    with app.uow_factory() as uow:
        found = {
            text: [item.sku for item in search_catalog(key, text, uow)[1]]
            for text in ("toner", "0041", "DELL", "", "%", "no such thing")
        }
    assert found["toner"] == ["00412-BK"]
    assert found["0041"] == ["00412-BK"]
    assert found["DELL"] == ["MON-27-4K"]
    assert len(found[""]) == 5
    assert found["%"] == found["no such thing"] == []
    with pytest.raises(PunchOutRefused), app.uow_factory() as uow:
        search_catalog("not-a-key", "toner", uow)


# Returning the cart and the order that follows


def test_returning_the_cart_closes_the_shopping(app):
    key = started(app)
    add(app, key, "00412-BK", "2")
    add(app, key, "7510-01-454-1234", "12")
    cart = app.bus.execute(commands.ReturnPunchOutCart(key))
    row = session_row(app, browser_key=token_hash(key))
    assert (row.state, row.returned_at is not None) == (RETURNED, True)
    assert (cart.session_id, cart.partner, cart.currency) == (row.id, "gsa-advantage", "USD")
    assert cart.buyer_cookie == "7f3a9c0e51d24b8e9a6f0c2d4e8b1a37"
    assert [cart.aux_id(e) for e in cart.entries] == [f"POS-{row.id}-1", f"POS-{row.id}-2"]
    assert cart.total == Decimal("254.00")
    assert "punchout.returned" in outbox_keys(app)
    with pytest.raises(PunchOutRefused, match="returned to procurement"):
        add(app, key, "MON-27-4K")
    with pytest.raises(PunchOutRefused, match="returned to procurement"):
        app.bus.execute(commands.ReturnPunchOutCart(key))


def test_the_order_for_a_returned_cart_marks_its_session_ordered(app):
    key = started(app)
    add(app, key, "00412-BK", "2")
    add(app, key, "7510-01-454-1234", "12")
    cart = app.bus.execute(commands.ReturnPunchOutCart(key))
    items = [
        (e.item.sku, cart.aux_id(e), format(e.quantity, "f"), format(e.item.price, "f"), "EA")
        for e in cart.entries
    ]
    other = opened(app, partner=DOD)
    other_key = app.bus.execute(commands.StartPunchOutSession(other.start_token)).browser_key
    add(app, other_key, "MON-27-4K")
    other_cart = app.bus.execute(commands.ReturnPunchOutCart(other_key))
    stolen = [("MON-27-4K", other_cart.aux_id(other_cart.entries[0]), "1", "519.99", "EA")]
    intake = intake_for(app)
    assert intake.receive(order_request("PO-7741", items)).code == 200
    assert intake.receive(order_request("PO-7742", stolen)).code == 200
    deliver(app)
    with app.uow_factory() as uow:
        number = uow.orders.find_external("cxml", "gsa-advantage", "PO-7741").number
    row = session_row(app, id=cart.session_id)
    assert (row.state, row.order_number, row.ordered_at is not None) == (ORDERED, number, True)
    assert session_row(app, id=other_cart.session_id).state == RETURNED
    assert outbox_keys(app).count("punchout.ordered") == 1


def test_an_edit_request_restores_the_cart_at_todays_prices(app):
    key = started(app, "edit.xml")
    from core.handlers.punchout import shopping_view

    with app.uow_factory() as uow:
        view = shopping_view(key, uow)
    assert [(e.item.sku, e.item.price, e.quantity) for e in view.entries] == [
        ("00412-BK", Decimal("89.50"), Decimal("3")),
        ("7510-01-454-1234", Decimal("6.25"), Decimal("12")),
    ]
    assert view.not_restored == ("0088-STAPLER-DISC",)
    assert view.editable
    row = session_row(app, browser_key=token_hash(key))
    assert row.buyer["edited_aux_ids"] == ["POS-41-1", "POS-41-2", "POS-41-4"]
    assert row.buyer_cookie == "c0a8e4d1b39f0a2e77d5<PR4471>"


def test_an_inspected_cart_is_shown_but_never_changed_or_sent(app):
    key = started(app, "inspect.xml")
    assert cart_of(app, key) == [(1, "MON-27-4K", "2")]
    with pytest.raises(PunchOutRefused, match="cannot be changed"):
        add(app, key, "00412-BK")
    with pytest.raises(PunchOutRefused, match="cannot be changed"):
        app.bus.execute(commands.RemovePunchOutCartLine(key, 1))
    cart = app.bus.execute(commands.ReturnPunchOutCart(key))
    assert (cart.operation, cart.entries) == ("inspect", ())
    assert cart.buyer["deployment_mode"] == "test"


# The session's own rules


def test_auxiliary_ids_name_a_session_and_line():
    assert aux_id(4187, 3) == "POS-4187-3"
    assert parse_aux_id(" POS-4187-3 ") == (4187, 3)
    assert parse_aux_id("POS-4187") is None
    assert parse_aux_id("AUX-4187-3") is None
    assert parse_aux_id(None) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", "3"), ("3.000", "3"), ("2.5", "2.5"), (Decimal("12"), "12"), ("999999", "999999")],
)
def test_quantities(value, expected):
    assert format(quantity_of(value), "f") == expected


def test_a_session_keeps_only_hashes_of_its_secrets():
    now = datetime.now(UTC)
    session, token = PunchOutSession.open(
        "gsa-advantage", "create", "cookie", "https://buyer.example.gov/return", now=now
    )
    key = session.start(now)
    assert session.start_token == token_hash(token) and token not in vars(session).values()
    assert session.browser_key == token_hash(key) and key not in vars(session).values()
