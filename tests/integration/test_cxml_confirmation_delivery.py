"""`orderb2b cxml confirm`: a ConfirmationRequest built from the order reaches the
buyer's endpoint, validates against the DTD, and the buyer's Response is kept."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from adapters.xml import parse_xml
from core.storage import tables
from hub.bootstrap import bootstrap
from hub.cli import main
from hub.config import Config
from hub.demo import order_request


@pytest.fixture
def hub_with_order(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    assert main(["demo"]) == 0
    document = tmp_path / "order.xml"
    document.write_bytes(order_request("GSA-7781", lines=3))
    assert main(["ingest", "--channel", "cxml", str(document)]) == 0
    number = json.loads(capsys.readouterr().out.split("\n", 1)[1])["orders"][0]
    return tmp_path, number


def set_up_partner(monkeypatch, capsys, url: str, secret: str = "to-the-buyer") -> None:
    monkeypatch.setenv("TO_BUYER", secret)
    args = ["partners", "change", "gsa-advantage", "--our-identity-domain", "DUNS"]
    args += ["--our-identity", "123456789", "--outbound-secret-env", "TO_BUYER"]
    assert main([*args, "--endpoint", f"order_confirmation={url}"]) == 0
    capsys.readouterr()


def outbound_rows(tmp_path):
    app = bootstrap(Config.from_env())
    try:
        with app.engine.connect() as connection:
            return connection.execute(select(tables.outbound_documents)).all()
    finally:
        app.close()


def test_confirmation_reaches_the_buyer_and_its_response_is_kept(
    buyer, hub_with_order, monkeypatch, capsys
):
    url, handler = buyer
    tmp_path, number = hub_with_order
    set_up_partner(monkeypatch, capsys, url)
    code = main(["cxml", "confirm", number, "--line", "2:backorder:1:2026-12-15"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "") and f"confirmation of {number} sent to {url}: 200 OK" in out
    (posted,) = handler.received
    root = parse_xml(posted)
    header = root.find("Request/ConfirmationRequest/ConfirmationHeader")
    assert header.get("type") == "detail"
    reference = root.find("Request/ConfirmationRequest/OrderReference")
    assert reference.get("orderID") == "GSA-7781"
    statuses = [
        (item.get("lineNumber"), item.find("ConfirmationStatus").get("type"))
        for item in root.iterfind("Request/ConfirmationRequest/ConfirmationItem")
    ]
    assert ("2", "backordered") in statuses
    (row,) = outbound_rows(tmp_path)
    assert (row.state, row.kind, row.reference, row.response_code) == (
        "sent",
        "order_confirmation",
        number,
        200,
    )
    assert row.raw == posted and b"to-the-buyer" in row.raw


def test_a_refused_confirmation_is_one_line_exit_2_and_kept(
    buyer, hub_with_order, monkeypatch, capsys
):
    url, _ = buyer
    tmp_path, number = hub_with_order
    set_up_partner(monkeypatch, capsys, url, secret="wrong")
    code = main(["cxml", "confirm", number])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "was refused: 401 Unauthorized" in err
    (row,) = outbound_rows(tmp_path)
    assert (row.state, row.response_code) == ("refused", 401)


def test_a_partner_without_identities_is_told_what_is_missing(hub_with_order, capsys):
    _, number = hub_with_order
    assert main(["cxml", "confirm", number]) == 2
    assert "needs our_identity_domain, our_identity, outbound secret" in capsys.readouterr().err


def test_ship_notice_and_invoice_reach_the_buyer(buyer, hub_with_order, monkeypatch, capsys):
    url, handler = buyer
    tmp_path, number = hub_with_order
    set_up_partner(monkeypatch, capsys, url)
    endpoints = ["--endpoint", f"ship_notice={url}", "--endpoint", f"invoice={url}"]
    assert main(["partners", "change", "gsa-advantage", *endpoints]) == 0
    capsys.readouterr()
    ship = ["shipments", "add", number, "--carrier", "FedEx", "--carrier-code", "FDEG"]
    assert main([*ship, "--tracking", "794612345678", "--line", "1:1"]) == 0
    shipment = capsys.readouterr().out.split()[1]
    assert main(["cxml", "ship-notice", shipment]) == 0
    assert "sent to" in capsys.readouterr().out
    assert main(["invoices", "create", number, "--shipped-only"]) == 0
    invoice = capsys.readouterr().out.split()[1]
    assert main(["cxml", "invoice", invoice]) == 0
    assert "sent to" in capsys.readouterr().out
    notice, billed = (parse_xml(body) for body in handler.received)
    assert notice.findtext(".//ShipmentIdentifier") == "794612345678"
    assert notice.find(".//ShipNoticePortion/OrderReference").get("orderID") == "GSA-7781"
    assert billed.find(".//InvoiceDetailRequestHeader").get("invoiceID") == invoice
    kinds = [(row.kind, row.reference, row.state) for row in outbound_rows(tmp_path)]
    assert kinds == [("ship_notice", shipment, "sent"), ("invoice", invoice, "sent")]
