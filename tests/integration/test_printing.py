"""Printed documents through /api/v1: an order and its pick list, a packing slip and
an invoice, as PDF and HTML; templates an administrator puts in the data directory
replace ours; a template reaches nothing outside the document. Both databases."""

from __future__ import annotations

import re
import threading
import zlib
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import commands
from core.ports import Actor
from hub.api.common import Raw
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient
from tests.integration.test_order_editing import ORDER

ADMIN = Actor("staff", "mgarcia")


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    app.bus.execute(commands.ChangeSetting("company.name", "Cascade Office & Park Supply"), ADMIN)
    app.bus.execute(
        commands.ChangeSetting("company.address", "410 Industrial Way\nSparks, NV 89431"), ADMIN
    )
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def admin(api):
    return api.token("mgarcia", "administrator")


@pytest.fixture
def number(app):
    return app.bus.execute(commands.IngestOrder(ORDER))[1]


def pdf_text(pdf: bytes) -> str:
    """The text runs a PDF shows, enough to look for words in. WeasyPrint writes
    each run as 2-byte glyph ids; every font's ToUnicode map is tried on every run
    (the right one gives the text, the others gibberish)."""
    streams = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            streams.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    maps = [_unicode_map(stream) for stream in streams if b"begincmap" in stream]
    runs = [
        [code for glyphs in re.findall(rb"<([0-9a-fA-F]+)>", array) for code in _codes(glyphs)]
        for stream in streams
        if b"TJ" in stream
        for array in re.findall(rb"\[(.*?)\]\s*TJ", stream, re.S)
    ]
    return "\n".join("".join(m.get(c, "\ufffd") for c in run) for run in runs for m in maps)


def _codes(glyphs: bytes) -> list[int]:
    return [int(glyphs[i : i + 4], 16) for i in range(0, len(glyphs), 4)]


def _unicode_map(cmap: bytes) -> dict[int, str]:
    mapping = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        ranges = re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block)
        for low, high, first in ranges:
            for code in range(int(low, 16), int(high, 16) + 1):
                mapping[code] = chr(int(first, 16) + code - int(low, 16))
    return mapping


def printed(api, path: str, token: str, fmt: str) -> Raw:
    status, answer = api.get(f"{path}?format={fmt}", token)
    assert status == 200 and isinstance(answer, Raw), answer
    if fmt == "pdf":
        assert answer.media_type == "application/pdf"
        assert answer.content.startswith(b"%PDF-") and len(answer.content) > 2000
    else:
        assert answer.media_type == "text/html; charset=utf-8"
    return answer


def test_an_order_prints_as_pdf_and_html(app, api, admin, number):
    app.bus.execute(
        commands.AddOrderLine(
            number,
            Decimal(1),
            "EA",
            Decimal("12.00"),
            "SIGN-<B>",
            "Sign <script>alert(1)</script> & post",
        ),
        ADMIN,
    )
    app.bus.execute(commands.RemoveOrderLine(number, 2, "not needed"), ADMIN)
    pdf = printed(api, f"/api/v1/orders/{number}/print/order", admin, "pdf")
    assert pdf.filename == f"{number}-order.pdf"
    text = pdf_text(pdf.content)
    assert f"Order {number}" in text and "TRL-2207-GRN" in text
    assert "Cascade Office & Park Supply" in text and "Sparks, NV 89431" in text

    html = printed(api, f"/api/v1/orders/{number}/print/order", admin, "html")
    assert html.filename == f"{number}-order.html"
    page = html.content.decode()
    assert "TRL-2207-GRN" in page and "Marin County Parks Maintenance Yard" in page
    assert "0033-ZIP-100" not in page, "a removed line is not printed"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; post" in page and "<script>" not in page
    assert "SIGN-&lt;B&gt;" in page
    assert "Cascade Office &amp; Park Supply" in page
    # 8 x 45.00 + 1 x 12.00 + 18.00 + 41.60 - 10.00
    assert "421.60" in page and "372.00" in page


def test_the_pick_list_shows_what_is_left_to_pick(app, api, number):
    app.bus.execute(commands.RecordShipment(number, "UPS", "1Z999AA10123456784", {1: Decimal(3)}))
    app.bus.execute(commands.BackorderLine(number, 2, Decimal(1)), ADMIN)
    warehouse = api.token("pkowalski", "warehouse")
    html = printed(api, f"/api/v1/orders/{number}/print/pick-list", warehouse, "html")
    page = html.content.decode()
    assert "Pick list " + number in page and "Bin / location" in page
    rows = re.findall(r"<tr>\s*(.*?)</tr>", page, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows[1:]]
    assert [(c[0], c[2], c[4], c[6]) for c in cells] == [
        ("1", "TRL-2207-GRN", "5", ""),
        ("2", "0033-ZIP-100", "4", "1"),
    ]
    pdf = printed(api, f"/api/v1/orders/{number}/print/pick-list", warehouse, "pdf")
    text = pdf_text(pdf.content)
    assert f"Pick list {number}" in text and "0033-ZIP-100" in text


def test_a_shipment_prints_its_packing_slip(app, api, number):
    first = app.bus.execute(
        commands.RecordShipment(number, "FedEx", "794658012345", {2: Decimal(4)}, packages=2)
    )
    app.bus.execute(commands.RecordShipment(number, "FedEx", "794658012399"))
    clerk = api.token("lortega", "salesperson")
    page = printed(api, f"/api/v1/shipments/{first}/packing-slip", clerk, "html").content.decode()
    assert f"Packing slip {first}" in page and "794658012345" in page and "Packages: 2" in page
    assert "0033-ZIP-100" in page and "TRL-2207-GRN" not in page
    assert "1 Lagoon Rd" in page
    pdf = printed(api, f"/api/v1/shipments/{first}/packing-slip", clerk, "pdf")
    assert pdf.filename == f"{first}-packing-slip.pdf"
    text = pdf_text(pdf.content)
    assert f"Packing slip {first}" in text and "0033-ZIP-100" in text


def test_an_invoice_prints_with_its_totals(app, api, admin, number):
    app.bus.execute(commands.RecordShipment(number, "FedEx", "794658012345"))
    invoice = app.bus.execute(commands.CreateInvoice(number, comments="Net 30, PO CP-PO-88120"))
    page = printed(api, f"/api/v1/invoices/{invoice}/print", admin, "html").content.decode()
    assert f"Invoice {invoice}" in page and "CP-PO-88120" in page
    # 8 x 45.00 + 4 x 40.00 = 520.00; + 18.00 + 41.60 - 10.00 = 569.60
    assert "520.00" in page and "569.60" in page and "-10.00" in page
    text = pdf_text(printed(api, f"/api/v1/invoices/{invoice}/print", admin, "pdf").content)
    assert f"Invoice {invoice}" in text and "TRL-2207-GRN" in text and "569.60" in text
    warehouse = api.token("pkowalski", "warehouse")
    assert api.get(f"/api/v1/invoices/{invoice}/print", warehouse)[0] == 403


class Recorder(BaseHTTPRequestHandler):
    requested: list[str]

    def do_GET(self):
        self.requested.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def remote():
    """A web server on loopback that records what is asked of it."""
    handler = type("Handler", (Recorder,), {"requested": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler.requested
    server.shutdown()
    server.server_close()


def test_a_template_in_the_data_directory_replaces_ours_and_fetches_nothing(
    app, api, admin, number, data_dir, remote
):
    url, requested = remote
    templates = data_dir / "templates"
    templates.mkdir()
    (templates / "order.html").write_text(
        '{% extends "base.html" %}\n'
        "{% block heading %}Confirmed {{ order.number }}{% endblock %}\n"
        "{% block content %}\n"
        f'<link rel="stylesheet" href="{url}/style.css">\n'
        f'<img src="{url}/logo.png"><img src="file:///etc/hostname">\n'
        "{% for line in lines %}<p>{{ line.supplier_part_id }}</p>{% endfor %}\n"
        "{% endblock %}\n"
    )
    page = printed(api, f"/api/v1/orders/{number}/print/order", admin, "html").content.decode()
    assert f"Confirmed {number}" in page and "Cascade Office" in page
    pick = printed(api, f"/api/v1/orders/{number}/print/pick-list", admin, "html")
    assert "Bin / location" in pick.content.decode(), "the other templates are still ours"
    text = pdf_text(printed(api, f"/api/v1/orders/{number}/print/order", admin, "pdf").content)
    assert f"Confirmed {number}" in text and "TRL-2207-GRN" in text
    assert requested == []

    (templates / "order.html").write_text("{% block content %}{{ order.no_such_thing }}")
    status, problem = api.get(f"/api/v1/orders/{number}/print/order?format=html", admin)
    assert status == 409 and "order.html template failed" in problem["detail"]


def test_print_requests_that_cannot_be_answered(api, admin, number):
    assert api.get(f"/api/v1/orders/{number}/print/invoice", admin)[0] == 400
    assert api.get(f"/api/v1/orders/{number}/print/order?format=docx", admin)[0] == 400
    assert api.get("/api/v1/orders/SO9999999/print/order", admin)[0] == 404
    assert api.get("/api/v1/shipments/SH9999999/packing-slip", admin)[0] == 404
    assert api.get("/api/v1/invoices/INV9999999/print?format=html", admin)[0] == 404
