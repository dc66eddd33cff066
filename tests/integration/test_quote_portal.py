"""The public pages against a running hub (its HTTP role, on the test's database):
a customer's signed link to a sent quote, where they choose payment and shipping and
place the order once, and the public request-for-quotation form. Forms are posted
form-encoded over HTTP, so Twisted parses them as it does for a browser."""

from __future__ import annotations

import http.client
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from core.ports import Actor
from core.storage import queries, quote_queries, tables
from hub import quote_links
from hub.api.quote_routes import link_for, send_version
from tests.api_client import ApiClient
from tests.e2e.hub_process import HubProcess
from tests.integration import test_quotes as quotes

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
STAFF = Actor("staff", "tnguyen")


@pytest.fixture
def app(database_url, data_dir):
    app = quotes.open_app(database_url, data_dir)
    quotes.sales_tokens(app, ApiClient(app))
    yield app
    app.close()


@pytest.fixture
def hub(app, database_url, data_dir, tmp_path):
    env = {
        "ORDERB2B_DATABASE_URL": database_url,
        "ORDERB2B_DATA_DIR": str(data_dir),
        "ORDERB2B_AMQP_URL": "",
        "ORDERB2B_SECRET_KEY": "",
        "ORDERB2B_PUBLIC_URL": "",
    }
    with HubProcess(env, roles="http", log_path=tmp_path / "hub.log") as process:
        yield process


@pytest.fixture
def link(app) -> str:
    """The path of a signed link to quote Q000001 version 1, sent to ACME."""
    api = ApiClient(app)
    token = api.token("portal-admin", "administrator")
    quote = quotes.quote_for(
        api, token, shipping_method="Ground", notes="<script>alert(1)</script>"
    )
    send_version(app, STAFF, quote["number"], 1, None, None)
    return urlsplit(link_for(app, quote["number"], None, None, None)["url"]).path


def count(app, table) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def post_form(hub, path: str, fields) -> tuple[int, str]:
    status, body = hub.request("POST", path, urlencode(fields).encode(), FORM)
    return status, body.decode("utf-8")


def test_a_signed_link_shows_the_sent_version_and_places_the_order_once(app, hub, link):
    connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)
    connection.request("GET", link)
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    assert response.status == 200
    assert response.getheader("Cache-Control") == "no-store"
    assert response.getheader("Referrer-Policy") == "no-referrer"
    assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy")
    assert "Quote Q000001" in page and "TONER-85A" in page and "179.00" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert 'value="net_terms"' in page and 'value="Express"' in page
    status, pdf = hub.request("GET", f"{link}/pdf")
    frozen, _ = quote_queries.version_pdf(app.engine, "Q000001", 1)
    assert status == 200 and pdf.startswith(b"%PDF") and pdf == frozen

    fields = {"payment": "purchase_order", "po_number": "", "shipping_method": "Express"}
    status, page = post_form(hub, link, fields)
    assert status == 400 and "a purchase order needs its number" in page
    assert count(app, tables.orders) == 0

    fields["po_number"] = "PO-2231"
    status, page = post_form(hub, link, fields)
    number = re.search(r"order <strong>(SO\d+)</strong>", page).group(1)
    assert status == 200 and "is placed" in page
    order = queries.order_detail(app.engine, number)
    assert (order["channel"], order["external_order_id"]) == ("quote", "Q000001")
    assert order["quote_version_id"] is not None and order["payment"]["terms"] == "PO PO-2231"
    assert (order["shipping_method"], order["shipping_amount"]) == ("Express", "30.00")
    assert order["history"][0]["actor_kind"] == "customer"
    assert order["history"][0]["actor"] == "buyer@acme.example"

    status, page = post_form(hub, link, {**fields, "po_number": "PO-9999"})
    assert status == 200 and "was placed already" in page and number in page
    status, page = hub.request("GET", link)
    assert status == 200 and number.encode() in page
    assert count(app, tables.orders) == 1


def test_a_tampered_expired_or_unsent_link_is_refused(app, hub, link):
    number, version, expires, mac = link.rsplit("/", 1)[1].split(".")
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    key = quote_links.link_key(app.config)
    past = datetime.now(UTC) - timedelta(minutes=1)
    quotes_api = ApiClient(app)
    token = quotes_api.token("links-admin", "administrator")
    quotes_api.post(f"/api/v1/quotes/{number}/versions", token)  # version 2, a draft
    forged = {
        "signature": f"{number}.{version}.{expires}.{flipped}",
        "version": f"{number}.2.{expires}.{mac}",
        "expiry": f"{number}.{version}.{int(expires) + 86400}.{mac}",
        "quote": f"Q000002.{version}.{expires}.{mac}",
        "expired": quote_links.sign(key, number, 1, past),
        "draft": quote_links.sign(key, number, 2, datetime.now(UTC) + timedelta(days=1)),
        "garbage": "not-a-link",
    }
    for what, token in forged.items():
        status, page = hub.request("GET", f"/quote/{token}")
        assert status == 403 and b"not valid or has expired" in page, what
        status, page = post_form(hub, f"/quote/{token}", {"payment": "card_on_file"})
        assert status == 403, what
    assert hub.request("GET", "/quote/")[0] == 404
    assert count(app, tables.orders) == 0


def test_the_public_form_keeps_a_request_and_answers_its_number(app, hub):
    status, page = hub.request("GET", "/rfq")
    assert status == 200 and b'name="email"' in page and b'action="/rfq"' in page
    fields = [
        ("company", "Acme Office Supply"),
        ("contact_name", "Dana Whitfield"),
        ("email", "buyer@acme.example"),
        ("phone", ""),
        ("message", "Toner for floors 2 and 3.\r\nDelivery by Friday, please."),
        ("website", ""),
        ("part", "TONER-85A"),
        ("description", ""),
        ("quantity", "6"),
        ("part", ""),
        ("description", "Flip chart easel"),
        ("quantity", "1"),
        ("part", ""),
        ("description", ""),
        ("quantity", ""),
    ]
    status, page = post_form(hub, "/rfq", fields)
    assert status == 200 and "Thank you" in page
    number = re.search(r"<strong>(RFQ\d+)</strong>", page).group(1)
    with app.engine.connect() as connection:
        row = connection.execute(select(tables.rfqs).where(tables.rfqs.c.number == number)).one()
    assert (row.source, row.status, row.remote_addr, row.email) == (
        "web",
        "new",
        "127.0.0.1",
        "buyer@acme.example",
    )
    assert row.message == "Toner for floors 2 and 3.\r\nDelivery by Friday, please."
    assert row.lines == [
        {"part": "TONER-85A", "description": None, "quantity": "6"},
        {"part": None, "description": "Flip chart easel", "quantity": "1"},
    ]
    with app.engine.connect() as connection:
        acme = connection.execute(
            select(tables.customers.c.id).where(tables.customers.c.code == "ACME")
        ).scalar_one()
    assert row.customer_id == acme


def test_the_public_form_refuses_hostile_or_oversized_input_and_keeps_nothing(app, hub):
    good = {"email": "buyer@example.com", "message": "Please quote"}
    cases = [
        ({**good, "email": "bad", "company": "<script>alert(1)</script>"}, 400, "not valid"),
        ({**good, "email": "a@example.com\r\nBcc: all@example.com"}, 400, "not valid"),
        ({**good, "company": "Acme\x00Corp"}, 400, "not allowed"),
        ({**good, "contact_name": "Dana\x1b[2J"}, 400, "not allowed"),
        ({**good, "company": "Acme\nBcc: x"}, 400, "not allowed"),
        ({**good, "website": "http://spam.example"}, 400, "refused"),
        ({"email": "buyer@example.com"}, 400, "a message or at least one line"),
        ({**good, "message": "x" * 10_001}, 400, "longer than 10000"),
        ({**good, "part": "X", "quantity": "lots"}, 400, "quantity must be a number"),
    ]
    for fields, code, why in cases:
        status, page = post_form(hub, "/rfq", fields)
        assert status == code and why in page, (fields, page[-400:])
        assert "<script>alert" not in page
    status, page = post_form(
        hub, "/rfq", {**good, "company": "<script>alert(1)</script>", "email": "x"}
    )
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    too_many = [("email", "buyer@example.com")] + [("part", "P"), ("quantity", "1")] * 51
    assert post_form(hub, "/rfq", too_many)[0] == 400
    status, page = hub.request(
        "POST", "/rfq", b"email=buyer%40example.com&message=" + b"a" * (64 * 1024), FORM
    )
    assert status == 413 and b"larger than 64 KiB" in page
    status, page = hub.request("POST", "/rfq", b"email=buyer%40example.com&message=%FF%FE", FORM)
    assert status == 400 and b"not readable text" in page
    body = urlencode(good).encode()
    status, page = hub.request("POST", "/rfq", body, {"Content-Type": "text/plain"})
    assert status == 400
    assert count(app, tables.rfqs) == 0


def test_one_address_may_post_the_form_only_so_often(app, hub):
    from hub.http.rfq_form import POSTS_PER_WINDOW

    robot = {"email": "not-an-address", "message": "cheap toner"}
    answers = [post_form(hub, "/rfq", robot)[0] for _ in range(POSTS_PER_WINDOW)]
    assert set(answers) == {400}
    good = {"email": "buyer@example.com", "message": "Quote 20 toner cartridges"}
    status, page = post_form(hub, "/rfq", good)
    assert status == 429 and "Too many requests" in page
    assert count(app, tables.rfqs) == 0
    assert hub.request("GET", "/rfq")[0] == 200, "the form itself is still served"
