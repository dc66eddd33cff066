"""cXML PunchOut: reading setup requests, rendering the setup response, the order
message and the page that posts it back through the browser."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import lxml.html
import pytest
from lxml import etree

from adapters.cxml.punchout import (
    AUTO_SUBMIT_SCRIPT,
    FORM_FIELD,
    CartLine,
    Credential,
    SetupItem,
    read_setup_request,
    render_form_post_page,
    render_order_message,
    render_setup_response,
)
from adapters.xml import parse_xml
from core.errors import ParseError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "cxml" / "punchout"
# The PunchOut declarations of cXML.dtd (1.2.014), added to the product's DTD subset
# in schemas/cxml, which leaves them out.
PUNCHOUT_DTD = """
<!ENTITY % cxml.requests "(PunchOutSetupRequest)">
<!ENTITY % cxml.responses ",(PunchOutSetupResponse)?">
<!ELEMENT Message (Status?, PunchOutOrderMessage)>
<!ATTLIST Message
    deploymentMode  (production | test)  "production"
    inReplyTo       CDATA  #IMPLIED>
<!ELEMENT PunchOutSetupResponse (StartPage)>
<!ELEMENT StartPage (URL)>
<!ELEMENT URL (#PCDATA)>
<!ATTLIST URL name CDATA #IMPLIED>
<!ELEMENT PunchOutOrderMessage (BuyerCookie, PunchOutOrderMessageHeader, ItemIn*)>
<!ELEMENT BuyerCookie ANY>
<!ELEMENT PunchOutOrderMessageHeader (Total, ShipTo?, Shipping?, Tax?)>
<!ATTLIST PunchOutOrderMessageHeader
    operationAllowed  (create | inspect | edit)  #REQUIRED>
<!ELEMENT ManufacturerPartID (#PCDATA)>
<!ELEMENT ManufacturerName (#PCDATA)>
<!ATTLIST ManufacturerName xml:lang CDATA #IMPLIED>
"""
SUPPLIER = Credential("DUNS", "123456789")
BUYER = Credential("NetworkId", "AN01004417782")


def setup_request(name: str):
    return read_setup_request(parse_xml((FIXTURES / name).read_bytes()))


def changed(name: str, old: str, new: str) -> bytes:
    data = (FIXTURES / name).read_text("utf-8")
    assert old in data
    return data.replace(old, new).encode("utf-8")


def line(number: int = 1, **values) -> CartLine:
    fields = {
        "line_number": number,
        "supplier_part_id": "00412-BK",
        "supplier_part_aux_id": f"POS-41-{number}",
        "quantity": Decimal("3"),
        "unit_of_measure": "EA",
        "unit_price": Decimal("89.50"),
        "description": "Toner cartridge, black, high yield",
        "manufacturer_part_id": "TN-436BK",
        "manufacturer_name": "Brother",
    }
    return CartLine(**(fields | values))


# Reading setup requests


def test_create_request_from_coupa() -> None:
    setup = setup_request("create.xml")
    assert (setup.operation, setup.deployment_mode) == ("create", "production")
    assert setup.payload_id == "1718893411.7261893@prd-app07.commonwealth-state.coupahost.com"
    assert setup.buyer_cookie == "7f3a9c0e51d24b8e9a6f0c2d4e8b1a37"
    assert setup.browser_form_post_url == (
        "https://commonwealth-state.coupahost.com/punchout/checkout?id=4187"
    )
    assert (setup.buyer_domain, setup.buyer_identity) == ("DUNS", "049372186")
    assert (setup.supplier_domain, setup.supplier_identity) == ("DUNS", "123456789")
    assert setup.user_email == "d.osullivan@commonwealth-state.edu"
    assert setup.user_name == "Dolores O'Sullivan"
    assert setup.extrinsics["BusinessUnit"] == "Facilities & Grounds"
    assert setup.extrinsics["CostCenter"] == "0410-FAC"
    assert setup.ship_to is not None
    assert setup.ship_to.postal_code == "02115"
    assert setup.ship_to.deliver_to == ("Dolores O'Sullivan", "Facilities Receiving, Dock B")
    assert (setup.selected_item, setup.items) == (None, ())


def test_edit_request_from_ariba_brings_the_cart_back() -> None:
    setup = setup_request("edit.xml")
    assert setup.operation == "edit"
    assert setup.buyer_cookie == "c0a8e4d1b39f0a2e77d5<PR4471>"
    assert setup.browser_form_post_url.endswith("client=PACIFICMED&session=9f3b")
    assert setup.user_name == "Kenji Watanabe"
    assert setup.extrinsics["CostCenter"] == "00731"
    assert [(i.supplier_part_id, i.supplier_part_aux_id, i.quantity) for i in setup.items] == [
        ("00412-BK", "POS-41-1", Decimal("3")),
        ("7510-01-454-1234", "POS-41-2", Decimal("12")),
        ("0088-STAPLER-DISC", "POS-41-4", Decimal("1")),
    ]
    first = setup.items[0]
    assert (first.unit_price, first.currency, first.unit_of_measure) == (
        Decimal("87.95"),
        "USD",
        "EA",
    )


def test_inspect_request_from_jaggaer_in_test_mode() -> None:
    setup = setup_request("inspect.xml")
    assert (setup.operation, setup.deployment_mode) == ("inspect", "test")
    assert setup.user_name == "Ana Martínez"
    assert setup.user_email == "amartinez@glt.example.edu"
    assert setup.browser_form_post_url.endswith("OrgName=GreatLakesTech&tmstmp=1751378539")
    assert [(i.supplier_part_id, i.quantity) for i in setup.items] == [("MON-27-4K", Decimal(2))]


def test_selected_item_of_a_level_two_punchout() -> None:
    setup = setup_request("create_selected_item.xml")
    assert setup.selected_item == SetupItem("CBL-USBC-2M")
    assert setup.user_name == "Priya Raman"
    assert setup.user_email == "priya.raman@pacificmed.example.org"


def test_a_namespaced_setup_request_is_read() -> None:
    data = changed(
        "create.xml", "<cXML ", '<cXML xmlns="http://xml.cxml.org/schemas/cXML/1.2.014" '
    )
    setup = read_setup_request(parse_xml(data))
    assert setup.buyer_cookie == "7f3a9c0e51d24b8e9a6f0c2d4e8b1a37"


@pytest.mark.parametrize(
    ("name", "old", "new", "message"),
    [
        ("create.xml", 'operation="create"', 'operation="browse"', "unknown operation 'browse'"),
        ("create.xml", ' operation="create"', "", "PunchOutSetupRequest has no operation"),
        (
            "create.xml",
            "<BuyerCookie>7f3a9c0e51d24b8e9a6f0c2d4e8b1a37</BuyerCookie>",
            "",
            "has no BuyerCookie",
        ),
        (
            "create.xml",
            "<URL>https://commonwealth-state.coupahost.com/punchout/checkout?id=4187</URL>",
            "",
            "has no BrowserFormPost URL",
        ),
        (
            "create.xml",
            "https://commonwealth-state.coupahost.com/punchout/checkout?id=4187",
            "javascript:alert(document.cookie)",
            "BrowserFormPost URL is not an http(s) URL",
        ),
        (
            "create.xml",
            "https://commonwealth-state.coupahost.com/punchout/checkout?id=4187",
            "/punchout/checkout?id=4187",
            "BrowserFormPost URL is not an http(s) URL",
        ),
        ("edit.xml", 'quantity="12"', 'quantity="0"', "ItemOut line 2 has a quantity"),
        ("edit.xml", 'quantity="12"', 'quantity="a dozen"', "line 2 quantity is not a number"),
        (
            "edit.xml",
            "<SupplierPartID>7510-01-454-1234</SupplierPartID>",
            "",
            "ItemOut line 2 has no ItemID/SupplierPartID",
        ),
        ("create.xml", "PunchOutSetupRequest", "OrderRequest", "not a PunchOutSetupRequest"),
    ],
)
def test_bad_setup_requests_say_what_is_wrong(name, old, new, message) -> None:
    with pytest.raises(ParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_setup_request(parse_xml(changed(name, old, new)))


def test_an_overlong_payload_id_is_refused() -> None:
    data = changed("create.xml", 'payloadID="1718893411', f'payloadID="{"9" * 300}')
    with pytest.raises(ParseError, match="payloadID is longer than 250"):
        read_setup_request(parse_xml(data))


# The setup response


def test_setup_response_names_the_start_page() -> None:
    url = "https://b2b.example-supply.com/punchout/start/Zx_9-a?x=1&y=2"
    at = datetime(2025, 6, 20, 14, 23, 31, tzinfo=UTC)
    body = render_setup_response(
        200, "", url, payload_id="r-1@b2b.example-supply.com", timestamp=at
    )
    root = parse_xml(body)
    assert root.get("payloadID") == "r-1@b2b.example-supply.com"
    assert root.get("timestamp") == "2025-06-20T14:23:31+00:00"
    status = root.find("Response/Status")
    assert (status.get("code"), status.get("text")) == ("200", "OK")
    assert root.findtext("Response/PunchOutSetupResponse/StartPage/URL") == url
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE cXML')


def test_a_refused_setup_has_no_start_page() -> None:
    root = parse_xml(render_setup_response(401, "", None))
    assert root.find("Response/Status").get("text") == "Unauthorized"
    assert root.find("Response/PunchOutSetupResponse") is None


# The order message


def test_order_message_carries_cookie_lines_aux_ids_and_total() -> None:
    lines = [
        line(1),
        line(
            2,
            supplier_part_id="7510-01-454-1234",
            quantity=Decimal("12"),
            unit_of_measure="BX",
            unit_price=Decimal("6.25"),
            description="Ballpoint pen, medium, blue, 12/box",
            manufacturer_part_id=None,
            manufacturer_name=None,
            classification=(("UNSPSC", "44121704"),),
        ),
    ]
    body = render_order_message(
        "c0a8e4d1b39f0a2e77d5<PR4471>", lines, currency="USD", supplier=SUPPLIER, buyer=BUYER
    )
    root = parse_xml(body)
    message = root.find("Message/PunchOutOrderMessage")
    assert message.findtext("BuyerCookie") == "c0a8e4d1b39f0a2e77d5<PR4471>"
    header = message.find("PunchOutOrderMessageHeader")
    assert header.get("operationAllowed") == "edit"
    assert header.findtext("Total/Money") == "343.50"
    assert header.find("Total/Money").get("currency") == "USD"
    items = message.findall("ItemIn")
    assert [
        (i.get("lineNumber"), i.get("quantity"), i.findtext("ItemID/SupplierPartID")) for i in items
    ] == [("1", "3", "00412-BK"), ("2", "12", "7510-01-454-1234")]
    assert [i.findtext("ItemID/SupplierPartAuxiliaryID") for i in items] == [
        "POS-41-1",
        "POS-41-2",
    ]
    first = items[0].find("ItemDetail")
    assert first.findtext("UnitPrice/Money") == "89.50"
    assert [child.tag for child in first] == [
        "UnitPrice",
        "Description",
        "UnitOfMeasure",
        "Classification",
        "ManufacturerPartID",
        "ManufacturerName",
    ]
    assert items[1].find("ItemDetail/Classification").text == "44121704"


def test_order_message_envelope_goes_from_us_to_the_buyer_without_a_secret() -> None:
    body = render_order_message(
        "cookie", [line()], currency="USD", supplier=SUPPLIER, buyer=BUYER, deployment_mode="test"
    )
    root = parse_xml(body)
    assert root.findtext("Header/From/Credential/Identity") == "123456789"
    assert root.findtext("Header/To/Credential/Identity") == "AN01004417782"
    assert root.findtext("Header/Sender/Credential/Identity") == "123456789"
    assert root.find(".//SharedSecret") is None
    assert root.find("Message").get("deploymentMode") == "test"


def test_an_empty_cart_is_a_message_without_items() -> None:
    root = parse_xml(render_order_message("k", [], currency="EUR", supplier=SUPPLIER, buyer=BUYER))
    assert root.findall(".//ItemIn") == []
    assert root.findtext(".//Total/Money") == "0"


def test_markup_in_values_survives_the_order_message() -> None:
    description = 'Cable "USB-C" <2 m> & adapter'
    body = render_order_message(
        "k", [line(description=description)], currency="USD", supplier=SUPPLIER, buyer=BUYER
    )
    assert parse_xml(body).findtext(".//ItemIn/ItemDetail/Description") == description


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"quantity": 2.5}, "finite Decimals"),
        ({"unit_price": Decimal("NaN")}, "finite Decimals"),
    ],
)
def test_amounts_must_be_finite_decimals(values, message) -> None:
    with pytest.raises(ValueError, match=message):
        line(**values)


def test_operation_allowed_is_checked() -> None:
    with pytest.raises(ValueError, match="operationAllowed"):
        render_order_message(
            "k", [], currency="USD", supplier=SUPPLIER, buyer=BUYER, operation_allowed="delete"
        )


def punchout_dtd() -> etree.DTD:
    schemas = ROOT / "schemas" / "cxml"
    parts = [(schemas / "Common.mod").read_text("utf-8"), PUNCHOUT_DTD]
    parts += [(schemas / name).read_text("utf-8") for name in ("Base.mod", "Transport.mod")]
    return etree.DTD(io.StringIO("\n".join(parts)))


def test_setup_response_and_order_message_are_valid_cxml() -> None:
    dtd = punchout_dtd()
    lines = [line(1), line(2, manufacturer_part_id=None, manufacturer_name=None)]
    documents = [
        render_setup_response(200, "", "https://b2b.example-supply.com/punchout/start/x"),
        render_setup_response(403, "", None),
        render_order_message("k", lines, currency="USD", supplier=SUPPLIER, buyer=BUYER),
        render_order_message("k", [], currency="USD", supplier=SUPPLIER, buyer=BUYER),
    ]
    for document in documents:
        assert dtd.validate(parse_xml(document)), dtd.error_log.filter_from_errors()


# The page that posts the cart back


def form_of(page: bytes):
    document = lxml.html.document_fromstring(page)
    (form,) = document.forms
    return document, form


def test_form_post_page_posts_the_message_in_cxml_urlencoded() -> None:
    url = "https://s1.ariba.com/Buyer/punchout?client=PACIFICMED&session=9f3b"
    message = render_order_message(
        "c0a8<PR4471>",
        [line(description='Toner "HY" <black> & co')],
        currency="USD",
        supplier=SUPPLIER,
        buyer=BUYER,
    )
    page = render_form_post_page(url, message)
    document, form = form_of(page)
    assert (form.get("method"), form.get("action")) == ("post", url)
    assert form.get("enctype") == "application/x-www-form-urlencoded"
    (field,) = form.xpath(".//input")
    assert (field.get("type"), field.get("name")) == ("hidden", FORM_FIELD)
    assert field.get("value").encode("utf-8") == message
    assert form.xpath(".//button[@type='submit']")
    scripts = document.xpath("//script")
    assert [script.text for script in scripts] == [AUTO_SUBMIT_SCRIPT]
    assert f'getElementById("{form.get("id")}")' in AUTO_SUBMIT_SCRIPT


def test_what_the_browser_posts_decodes_to_the_message() -> None:
    message = render_order_message(
        "Ünïcode & <cookie>", [line()], currency="USD", supplier=SUPPLIER, buyer=BUYER
    )
    _, form = form_of(render_form_post_page("https://buyer.example.com/return", message))
    posted = urlencode(form.form_values(), encoding="utf-8")
    (decoded,) = parse_qs(posted)[FORM_FIELD]
    assert decoded.encode("utf-8") == message
    assert parse_xml(decoded.encode("utf-8")).findtext(".//BuyerCookie") == "Ünïcode & <cookie>"


def test_hostile_values_cannot_break_out_of_the_page() -> None:
    url = 'https://buyer.example.com/return?a="><script>alert(1)</script>'
    message = render_order_message(
        "</script><script>alert(2)</script>",
        [line(description='"><img src=x onerror=alert(3)>')],
        currency="USD",
        supplier=SUPPLIER,
        buyer=BUYER,
    )
    page = render_form_post_page(url, message)
    document, form = form_of(page)
    assert [script.text for script in document.xpath("//script")] == [AUTO_SUBMIT_SCRIPT]
    assert document.xpath("//img") == []
    assert form.get("action") == url
    assert b"<script>alert" not in page


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,hi", "//buyer.example.com/x", "ftp://a/b"]
)
def test_the_page_posts_only_to_web_urls(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        render_form_post_page(url, b"<cXML/>")
