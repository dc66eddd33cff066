"""`orderb2b orders add-line|change-line|remove-line|set-address|set-shipping|comment|
comments|confirm-email|print`, `shipments packing-slip`, `invoices print` and
`settings list|show|set`, on both databases."""

from __future__ import annotations

import getpass
import json
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from core import commands
from core.model.order_edits import PURCHASE_ORDERS_MAY_NEED_CHANGING
from core.storage import tables
from hub import cli
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.integration.test_order_editing import ORDER


@pytest.fixture
def app(monkeypatch, database_url, tmp_path):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(data_dir))
    monkeypatch.setenv("ORDERB2B_DATABASE_URL", database_url)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def number(app) -> str:
    return app.bus.execute(commands.IngestOrder(ORDER))[1]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def show(capsys, number: str) -> dict:
    code, out, _ = run(capsys, "orders", "show", number, "--json")
    assert code == 0
    return json.loads(out)


def test_staff_edit_an_order_from_the_command_line(capsys, app, number):
    code, out, err = run(
        capsys,
        *("orders", "add-line", number, "--quantity", "2", "--price", "129.99"),
        *("--part", "BNCH-6FT-CED", "--description", "Park bench, 6 ft, cedar"),
        *("--manufacturer", "Greenline", "--requested-date", "2026-05-01"),
    )
    assert (code, err) == (0, "")
    assert out == f"order {number}: line 3 added; total 829.58 USD\n"
    code, out, _ = run(
        capsys, "orders", "change-line", number, "2", "--price", "36.50", "--reason", "contract"
    )
    assert out == f"order {number}: line 2 changed (unit_price); total 815.58 USD\n"
    code, out, _ = run(capsys, "orders", "change-line", number, "1", "--quantity", "10", "--json")
    answer = json.loads(out)
    assert (answer["changed"], answer["totals"]["total"]) == (["quantity"], "905.58")
    code, out, _ = run(capsys, "orders", "remove-line", number, "3", "--reason", "steel instead")
    assert out == f"order {number}: line 3 removed; total 645.60 USD\n"
    code, out, _ = run(
        capsys,
        *("orders", "set-address", number, "bill-to", "--name", "Marin County Auditor"),
        *("--street", "3501 Civic Center Dr", "--street", "Room 225", "--city", "San Rafael"),
        *("--state", "CA", "--postal-code", "94903", "--country", "us"),
    )
    assert out == f"order {number}: bill-to address changed; total 645.60 USD\n"
    code, out, _ = run(
        capsys, "orders", "set-shipping", number, "--method", "FedEx Freight", "--amount", "95"
    )
    assert out == (
        f"order {number}: shipping changed (shipping_method, shipping_amount); total 722.60 USD\n"
    )

    detail = show(capsys, number)
    assert detail["total_amount"] == "722.60"
    assert detail["bill_to"]["street"] == ["3501 Civic Center Dr", "Room 225"]
    assert detail["bill_to"]["country"] == "US"
    lines = {line["line_number"]: line for line in detail["lines"]}
    assert (lines[1]["quantity"], lines[2]["unit_price"], lines[3]["status"]) == (
        "10",
        "36.50",
        "removed",
    )
    assert lines[3]["requested_delivery_date"] == "2026-05-01"
    actors = {entry["actor"] for entry in detail["history"][1:]}
    assert actors == {f"cli:{getpass.getuser()}"}


def test_an_edit_after_purchase_orders_says_so(capsys, app, number):
    with app.engine.begin() as connection:
        connection.execute(update(tables.orders).values(purchase_orders_sent=True))
    code, out, _ = run(capsys, "orders", "change-line", number, "1", "--quantity", "12")
    assert code == 0
    assert out.splitlines() == [
        f"order {number}: line 1 changed (quantity); total 749.60 USD",
        f"attention: {PURCHASE_ORDERS_MAY_NEED_CHANGING}",
    ]
    assert show(capsys, number)["needs_attention"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("change-line", "{n}", "2", "--price", "30"), "a price set by hand needs a reason"),
        (("change-line", "{n}", "2", "--quantity", "lots"), "--quantity 'lots' is not a number"),
        (("change-line", "{n}", "9", "--quantity", "1"), "has no line 9"),
        (("add-line", "{n}", "--quantity", "1", "--price", "2"), "a part number or a description"),
        (
            (
                "add-line",
                "{n}",
                "--quantity",
                "1",
                "--price",
                "2",
                "--part",
                "X",
                "--requested-date",
                "May 1",
            ),
            "not a date",
        ),
        (("set-shipping", "{n}"), "give --method, --amount or both"),
        (("set-address", "{n}", "ship-to", "--city", "Novato"), "at least a name or a street"),
        (("remove-line", "SO9999999", "1"), "no order SO9999999"),
        (("comment", "{n}", "   "), "a comment needs some text"),
        (("confirm-email", "SO9999999"), "no order SO9999999"),
    ],
)
def test_a_refused_edit_is_one_line_on_stderr_and_exit_code_2(capsys, number, args, message):
    before = show(capsys, number)
    code, out, err = run(capsys, "orders", *(a.replace("{n}", number) for a in args))
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1 and message in err
    assert show(capsys, number) == before


def test_a_shipped_order_cannot_be_edited(capsys, app, number):
    app.bus.execute(commands.RecordShipment(number, "FedEx", "794658012345"))
    code, _, err = run(capsys, "orders", "change-line", number, "1", "--quantity", "9")
    assert code == 2 and f"order {number} is shipped" in err


def test_comments_and_the_confirmation_email(capsys, app, number):
    code, out, _ = run(capsys, "orders", "comment", number, "Buyer wants a call before delivery")
    assert (code, out) == (0, f"order {number}: private comment 1 added\n")
    code, out, _ = run(capsys, "orders", "comment", number, "Ships Monday", "--public")
    assert out == f"order {number}: public comment 2 added\n"
    code, out, _ = run(capsys, "orders", "comments", number, "--json")
    comments = json.loads(out)
    assert [(c["visibility"], c["body"]) for c in comments] == [
        ("private", "Buyer wants a call before delivery"),
        ("public", "Ships Monday"),
    ]
    code, out, _ = run(capsys, "orders", "comments", number, "--visibility", "public")
    assert "(public):\n    Ships Monday\n" in out and "call before" not in out
    assert [c["id"] for c in show(capsys, number)["comments"]] == [1, 2]

    code, out, _ = run(capsys, "orders", "confirm-email", number)
    assert out == (
        f"order {number}: confirmation email requested for d.whitfield@marincounty.example.gov\n"
    )
    with app.engine.connect() as connection:
        payloads = connection.execute(
            select(tables.outbox.c.payload).where(
                tables.outbox.c.routing_key == "order.confirmation_requested"
            )
        ).scalars()
        assert [json.loads(p)["order_number"] for p in payloads] == [number]


def test_documents_print_to_a_file_or_stdout(capsys, app, number, tmp_path):
    shipment = app.bus.execute(commands.RecordShipment(number, "UPS", "1Z999", {1: Decimal(3)}))
    invoice = app.bus.execute(commands.CreateInvoice(number, shipped_only=True))
    out_file = tmp_path / "pick.html"
    code, out, err = run(
        capsys, "orders", "print", number, "--kind", "pick-list", "--format", "html",
        "--out", str(out_file),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith(f"{number}-pick-list.html written to {out_file}")
    assert "Bin / location" in out_file.read_text() and "TRL-2207-GRN" in out_file.read_text()

    code, out, _ = run(
        capsys, "shipments", "packing-slip", shipment, "--format", "html", "--out", "-"
    )
    assert code == 0 and f"Packing slip {shipment}" in out and "1Z999" in out

    pdf = tmp_path / "invoice.pdf"
    code, out, _ = run(capsys, "invoices", "print", invoice, "--out", str(pdf))
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF-")

    code, _, err = run(capsys, "orders", "print", "SO9999999", "--out", str(pdf))
    assert code == 2 and "no order SO9999999" in err


def test_settings_from_the_command_line(capsys, app):
    code, out, _ = run(capsys, "settings", "list", "--json")
    assert {s["key"]: s["value"] for s in json.loads(out)}["quotes.valid_days"] == 30
    assert run(capsys, "settings", "set", "orders.confirmation_email", "on")[1] == (
        "orders.confirmation_email = true\n"
    )
    assert (
        run(capsys, "settings", "set", "quotes.valid_days", "45")[1] == "quotes.valid_days = 45\n"
    )
    code, out, _ = run(
        capsys, "settings", "set", "company.address", r"410 Industrial Way\nSparks, NV 89431"
    )
    assert out == r"company.address = 410 Industrial Way\nSparks, NV 89431" + "\n"
    code, out, _ = run(capsys, "settings", "show", "company.address", "--json")
    detail = json.loads(out)
    assert detail["value"] == "410 Industrial Way\nSparks, NV 89431"
    assert detail["history"][0]["actor"] == f"cli:{getpass.getuser()}"
    code, out, _ = run(capsys, "settings", "show", "quotes.valid_days")
    assert out.startswith("quotes.valid_days = 45  (default 30)\n")
    code, out, _ = run(capsys, "settings", "list")
    assert "orders.confirmation_email" in out and "true" in out

    for args, message in (
        (("set", "quotes.valid_days", "soon"), "takes a whole number"),
        (("set", "quotes.valid_days", "0"), "at least 1"),
        (("set", "orders.confirmation_email", "maybe"), "takes true or false"),
        (("set", "no.such.setting", "1"), "no setting 'no.such.setting'"),
        (("show", "no.such.setting"), "no setting"),
    ):
        code, out, err = run(capsys, "settings", *args)
        assert (code, out) == (2, "") and message in err and err.count("\n") == 1
