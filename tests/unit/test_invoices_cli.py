"""`orderb2b invoices upload|attachment|change|add-line|change-line|remove-line|
credit|mark-sent|bulk|rule|rules`, and `create --series` and `list` filters, on the
embedded default with the demo data."""

from __future__ import annotations

import hashlib
import json

import pytest

from hub import cli
from tests.conftest import FIXTURES

PDF_FILE = FIXTURES / "invoices" / "AR-2026-00417.pdf"


@pytest.fixture
def demo(monkeypatch, tmp_path, capsys) -> dict[str, str]:
    """The embedded hub with the demo data: order numbers by the buyer's order id
    (DEMO-0001: 1 EA at 89.50, 2 BX at 6.25, 3 EA at 519.99; each next one has one
    line more), all of customer gsa-advantage."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    assert cli.main(["demo"]) == 0
    capsys.readouterr()
    assert cli.main(["orders", "list", "--json"]) == 0
    return {o["external_order_id"]: o["number"] for o in json.loads(capsys.readouterr().out)}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def shown(capsys, number: str) -> dict:
    code, out, _ = run(capsys, "invoices", "show", number, "--json")
    assert code == 0
    return json.loads(out)


def test_upload_show_and_download_an_invoice_made_elsewhere(capsys, demo, tmp_path):
    order = demo["DEMO-0001"]
    code, out, err = run(
        capsys,
        *("invoices", "upload", order, str(PDF_FILE), "--number", "AR-2026-00417"),
        *("--date", "2026-03-18T09:00:00-04:00", "--total", "1661.97"),
    )
    size = PDF_FILE.stat().st_size
    assert (code, err) == (0, "")
    assert out == (
        f"invoice AR-2026-00417 uploaded for order {order} (AR-2026-00417.pdf, {size} bytes)\n"
    )
    detail = shown(capsys, "AR-2026-00417")
    assert (detail["origin"], detail["total"], detail["attachment"]["size"]) == (
        "upload",
        "1661.97",
        size,
    )
    code, out, _ = run(capsys, "invoices", "show", "AR-2026-00417")
    assert "from upload" in out and f"attachment AR-2026-00417.pdf ({size} bytes" in out
    target = tmp_path / "copy.pdf"
    code, out, _ = run(capsys, "invoices", "attachment", "AR-2026-00417", "--out", str(target))
    assert out == f"AR-2026-00417.pdf ({size} bytes) written to {target}\n"
    assert (
        hashlib.sha256(target.read_bytes()).digest()
        == hashlib.sha256(PDF_FILE.read_bytes()).digest()
    )
    code, out, _ = run(capsys, "invoices", "upload", demo["DEMO-0002"], str(PDF_FILE))
    assert out.startswith(f"invoice INV0000001 uploaded for order {demo['DEMO-0002']}")


def test_edit_an_invoice_then_send_it_then_credit_it(capsys, demo):
    order = demo["DEMO-0001"]
    code, out, _ = run(capsys, "invoices", "create", order, "--series", "GSA")
    assert out == f"invoice GSA0000001 created for order {order}: 1661.97 USD\n"
    code, out, _ = run(
        capsys, "invoices", "change-line", "GSA0000001", "3", "--quantity", "2", "--price", "500"
    )
    assert out == "invoice GSA0000001: line 3: quantity, unit_price changed; total 1102.00 USD\n"
    code, out, _ = run(
        capsys,
        *("invoices", "add-line", "GSA0000001", "--quantity", "1", "--price", "25"),
        *("--description", "Expedited handling"),
    )
    assert out == "invoice GSA0000001: line 4 added; total 1127.00 USD\n"
    code, out, _ = run(capsys, "invoices", "remove-line", "GSA0000001", "2")
    assert out == "invoice GSA0000001: line 2 removed; total 1114.50 USD\n"
    code, out, _ = run(
        capsys,
        *("invoices", "change", "GSA0000001", "--bill-name", "GSA Finance Center"),
        *("--bill-street", "PO Box 6200", "--due-date", "2099-12-31"),
    )
    assert out == "invoice GSA0000001: bill_to, due_date changed\n"
    detail = shown(capsys, "GSA0000001")
    assert detail["bill_to"]["name"] == "GSA Finance Center"
    assert detail["bill_to"]["street"] == ["PO Box 6200"] and detail["bill_to"]["city"]
    assert [(x["line_number"], x["status"]) for x in detail["lines"]][-2:] == [
        (3, "active"),
        (4, "active"),
    ]

    code, out, _ = run(
        capsys, "invoices", "mark-sent", "GSA0000001", "--via", "email", "--to", "ap@gsa.gov"
    )
    assert out == "invoice GSA0000001 marked sent (email)\n"
    code, out, _ = run(capsys, "invoices", "mark-sent", "GSA0000001")
    assert out == "invoice GSA0000001 was marked sent already\n"
    code, out, err = run(capsys, "invoices", "change-line", "GSA0000001", "1", "--quantity", "2")
    assert (code, out) == (2, "")
    assert "was sent to the customer" in err and "orderb2b invoices credit GSA0000001" in err

    code, out, _ = run(
        capsys, "invoices", "credit", "GSA0000001", "--line", "3:1", "--reason", "Returned"
    )
    assert out == "credit note CN0000001 issued for invoice GSA0000001: 500 USD\n"
    code, out, _ = run(capsys, "invoices", "credit", "GSA0000001")
    assert out == "credit note CN0000002 issued for invoice GSA0000001: 614.50 USD\n"
    code, out, _ = run(capsys, "invoices", "list", "--purpose", "credit", "--json")
    assert [(i["number"], i["credits"]) for i in json.loads(out)] == [
        ("CN0000002", "GSA0000001"),
        ("CN0000001", "GSA0000001"),
    ]
    code, out, _ = run(capsys, "invoices", "list", "--state", "sent")
    assert out.splitlines()[1].startswith("GSA0000001") and len(out.splitlines()) == 2
    code, out, _ = run(capsys, "invoices", "list", "--customer", "gsa-advantage", "--json")
    assert len(json.loads(out)) == 3
    code, out, _ = run(capsys, "invoices", "show", "GSA0000001")
    assert "credit note CN0000001 [issued]: 500" in out and "sent " in out


def test_bulk_invoicing_with_rules_progress_and_a_second_run(capsys, demo):
    first, second = demo["DEMO-0001"], demo["DEMO-0002"]
    run(capsys, "shipments", "add", first, "--carrier", "UPS", "--tracking", "1Z1")
    run(
        capsys, "shipments", "add", second, "--carrier", "UPS", "--tracking", "1Z2", "--line", "1:1"
    )
    code, out, err = run(capsys, "invoices", "bulk", "--dry-run")
    assert code == 0 and out.startswith("would invoice 1 order(s) of 1 customer(s); 1 skipped")
    assert f"skipped {second} (gsa-advantage): not all of it has shipped (rule complete)" in out
    assert err == "2/2 orders, 1 invoiced, 1 skipped, " + err.split(", ")[-1]
    code, out, _ = run(
        capsys, "invoices", "rule", "--customer", "gsa-advantage", "--bill", "shipped"
    )
    assert out == "customer gsa-advantage is billed by rule shipped\n"
    code, out, _ = run(capsys, "invoices", "rules", "--json")
    assert json.loads(out) == {
        "default": "complete",
        "rules": [
            {
                "customer": "gsa-advantage",
                "group": None,
                "rule": "shipped",
                "series": None,
                "updated_at": json.loads(out)["rules"][0]["updated_at"],
            }
        ],
    }
    code, out, err = run(capsys, "invoices", "bulk", "--json")
    report = json.loads(out)
    assert (code, report["invoices"], report["skipped"], report["totals"]) == (
        0,
        2,
        0,
        {"USD": "1751.47"},
    )
    assert report["series"] == {"INV": {"count": 2, "first": "INV0000001", "last": "INV0000002"}}
    assert err.startswith("2/2 orders, 2 invoiced, 0 skipped, ") and err.endswith(" orders/s\n")
    code, out, _ = run(capsys, "invoices", "bulk")
    assert out.startswith("invoiced 0 order(s) of 0 customer(s); 0 skipped; 1 looked at")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("invoices", "upload", "{other}", "README.md"), "is not a PDF"),
        (("invoices", "upload", "{other}", "{pdf}", "--total", "1.00"), "total 1.00 is not what"),
        (("invoices", "upload", "{other}", "{pdf}", "--date", "2026-03-18"), "a UTC offset"),
        (("invoices", "upload", "{other}", "nowhere.pdf"), "No such file"),
        (("invoices", "upload", "{other}", "{big}"), "at most 10485760 bytes are taken"),
        (("invoices", "create", "{order}", "--series", "inv"), "must be 1 to 8 capital"),
        (("invoices", "change-line", "INV0000001", "1", "--quantity", "x"), "'x' is not a number"),
        (("invoices", "change-line", "INV0000001", "1", "--quantity", "5"), "only 1 EA were"),
        (("invoices", "change", "INV0000001", "--due-date", "31.12.2099"), "YYYY-MM-DD"),
        (("invoices", "credit", "INV0000001", "--line", "1-1"), "expected N:QTY"),
        (("invoices", "credit", "INV0000001", "--line", "1:2"), "but only 1 EA left to credit"),
        (("invoices", "mark-sent", "INV0000001", "--at", "yesterday"), "ISO 8601"),
        (("invoices", "attachment", "INV0000001", "--out", "-"), "has no attachment"),
        (("invoices", "bulk", "--customer", "NOPE"), "no customer NOPE"),
        (("invoices", "bulk", "--batch-size", "0"), "--batch-size must be at least 1"),
        (("invoices", "rule", "--group", "nope", "--bill", "shipped"), "no customer group nope"),
        (("invoices", "list", "--state", "paid"), "state must be one of"),
        (("invoices", "show", "INV0000042"), "no invoice INV0000042"),
    ],
)
def test_errors_are_one_line_and_exit_code_2(capsys, demo, tmp_path, args, message):
    order = demo["DEMO-0001"]
    assert run(capsys, "invoices", "create", order)[0] == 0
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * 10 * 1024 * 1024)
    values = {"order": order, "other": demo["DEMO-0002"], "pdf": str(PDF_FILE), "big": str(big)}
    args = [arg.format(**values) for arg in args]
    before = shown(capsys, "INV0000001")
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1
    assert message in err
    assert shown(capsys, "INV0000001") == before
