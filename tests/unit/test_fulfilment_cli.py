"""`orderb2b shipments ...` and `orderb2b invoices ...` on the embedded default."""

from __future__ import annotations

import json

import pytest

from hub import cli

SHIPPED_AT = "2026-03-17T15:40:00-07:00"


@pytest.fixture
def demo_order(monkeypatch, tmp_path, capsys):
    """The embedded hub with the demo data; the number of order DEMO-0001 (three lines:
    1 EA at 89.50, 2 BX at 6.25, 3 EA at 519.99)."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    assert cli.main(["demo"]) == 0
    capsys.readouterr()
    assert cli.main(["orders", "list", "--json"]) == 0
    orders = json.loads(capsys.readouterr().out)
    return next(o["number"] for o in orders if o["external_order_id"] == "DEMO-0001")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def order_status(capsys, number: str) -> str:
    assert cli.main(["orders", "show", number, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["status"]


def test_shipments_add_list_and_show(capsys, demo_order):
    code, out, err = run(
        capsys,
        *("shipments", "add", demo_order, "--carrier", "UPS", "--tracking", "1Z999AA10123456784"),
        *("--carrier-code", "UPSN", "--service", "UPS Ground", "--line", "3:1"),
        *("--shipped-at", SHIPPED_AT, "--delivery-date", "2026-03-20"),
        *("--packages", "2", "--weight", "22.5", "--weight-unit", "KG"),
    )
    assert (code, err) == (0, "")
    assert out == f"shipment SH0000001 recorded for order {demo_order}\n"
    assert order_status(capsys, demo_order) == "partially_shipped"
    code, out, _ = run(
        capsys, "shipments", "add", demo_order, "--carrier", "UPS", "--tracking", "1Z999AA1012"
    )
    assert out == f"shipment SH0000002 recorded for order {demo_order}\n"
    assert order_status(capsys, demo_order) == "shipped"

    code, out, _ = run(capsys, "shipments", "list", "--order", demo_order, "--json")
    listed = json.loads(out)
    assert [s["number"] for s in listed] == ["SH0000002", "SH0000001"]
    assert listed[1]["shipped_at"].startswith("2026-03-17T22:40:00")

    code, out, _ = run(capsys, "shipments", "show", "SH0000001", "--json")
    detail = json.loads(out)
    assert (detail["carrier_code"], detail["weight"], detail["weight_unit"]) == (
        "UPSN",
        "22.5",
        "KG",
    )
    assert [(line["line_number"], line["quantity"]) for line in detail["lines"]] == [(3, "1")]
    assert detail["history"][0]["actor"].startswith("cli:")

    code, out, _ = run(capsys, "shipments", "show", "SH0000002")
    assert code == 0 and f"Shipment SH0000002 of order {demo_order}" in out
    assert "7510-01-454-1234" in out and "MON-27-4K" in out and "history:" in out
    code, out, _ = run(capsys, "shipments", "list")
    assert out.count("1Z999AA101") == 2


def test_invoices_create_list_and_show(capsys, demo_order):
    run(capsys, "shipments", "add", demo_order, "--carrier", "FedEx", "--tracking", "7946580")
    code, out, err = run(capsys, "invoices", "create", demo_order, "--shipped-only")
    assert (code, err) == (0, "")
    assert out == f"invoice INV0000001 created for order {demo_order}: 1661.97 USD\n"
    assert order_status(capsys, demo_order) == "invoiced"

    code, out, _ = run(capsys, "invoices", "list", "--json")
    assert [(i["number"], i["total"], i["state"]) for i in json.loads(out)] == [
        ("INV0000001", "1661.97", "issued")
    ]
    code, out, _ = run(capsys, "invoices", "show", "INV0000001", "--json")
    detail = json.loads(out)
    assert [line["amount"] for line in detail["lines"]] == ["89.50", "12.50", "1559.97"]
    assert detail["bill_to"]["name"] == "GSA Finance"
    code, out, _ = run(capsys, "invoices", "show", "INV0000001")
    assert code == 0 and f"Invoice INV0000001 of order {demo_order}  [issued]" in out
    assert "1661.97 USD" in out
    code, out, _ = run(capsys, "invoices", "list", "--order", "SO9999999")
    assert out.splitlines()[1:] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("shipments", "add", "{order}", "--line", "1:99"), "99 EA to ship but only 1 EA open"),
        (("shipments", "add", "{order}", "--line", "one:1"), "expected N:QTY"),
        (("shipments", "add", "{order}", "--line", "1:lots"), "'lots' is not a number"),
        (("shipments", "add", "{order}", "--line", "1:1", "--line", "1:1"), "given twice"),
        (("shipments", "add", "{order}", "--shipped-at", "2026-03-17T15:40"), "a UTC offset"),
        (("shipments", "add", "{order}", "--delivery-date", "20.3.2026"), "YYYY-MM-DD"),
        (("shipments", "add", "{order}", "--carrier-code", "ups"), "is not a SCAC"),
        (("shipments", "add", "SO9999999"), "no order SO9999999"),
        (("shipments", "show", "SH9999999"), "no shipment SH9999999"),
        (("invoices", "create", "{order}", "--shipped-only"), "nothing shipped and not yet"),
        (("invoices", "show", "INV0000042"), "no invoice INV0000042"),
    ],
)
def test_errors_are_one_line_and_exit_code_2(capsys, demo_order, args, message):
    args = [arg.format(order=demo_order) for arg in args]
    if args[:2] == ["shipments", "add"]:
        args += ["--carrier", "FedEx", "--tracking", "794658012374"]
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1
    assert message in err
    code, out, _ = run(capsys, "shipments", "list", "--json")
    assert json.loads(out) == []
