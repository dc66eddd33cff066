"""`orderb2b quotes ...` and `orderb2b rfqs ...` on the embedded default."""

from __future__ import annotations

import json

import pytest

from core import commands
from core.storage import quote_queries
from hub import cli
from tests.api_client import ApiClient
from tests.integration import test_quotes as quotes


@pytest.fixture
def embedded(monkeypatch, tmp_path, capsys):
    """The embedded hub with the sales data of the quote tests (customer ACME with
    net terms; products TONER-85A, PAPER-A4, DESK-LAMP; Ground and Express)."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    for name in ("ORDERB2B_DATABASE_URL", "ORDERB2B_AMQP_URL", "ORDERB2B_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORDERB2B_PUBLIC_URL", "https://b2b.example.com")
    app = cli._app()
    quotes.sales_tokens(app, ApiClient(app))
    app.close()
    capsys.readouterr()
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_quote_is_added_priced_printed_sent_and_ordered_from_the_shell(capsys, embedded):
    code, out, err = run(
        capsys,
        *("quotes", "add", "--customer", "ACME", "--shipping", "Ground"),
        *("--line", "TONER-85A:2", "--line", "PAPER-A4:10:5.50", "--reason", "case price"),
    )
    assert (code, out, err) == (0, "quote Q000001 added\n", "")
    code, out, _ = run(
        capsys,
        "quotes",
        "add-line",
        "Q000001",
        "1",
        "DESK-LAMP",
        "1",
        "--price",
        "24.00",
        "--reason",
        "catalogue price",
    )
    assert out == "line 3 added to quote Q000001 version 1\n"
    assert run(capsys, "quotes", "change-line", "Q000001", "1", "2", "--quantity", "20")[0] == 0
    code, out, _ = run(
        capsys, "quotes", "version", "Q000001", "1", "--pricing", "discount", "--percent", "10"
    )
    assert out == "quote Q000001 version 1 changed\n"

    code, out, _ = run(capsys, "quotes", "show", "Q000001", "--json")
    version = json.loads(out)["versions"][0]
    assert [(li["sku"], li["quantity"], li["unit_price"]) for li in version["lines"]] == [
        ("TONER-85A", "2", "80.55"),
        ("PAPER-A4", "20", "5.50"),
        ("DESK-LAMP", "1", "24.00"),
    ]
    code, out, _ = run(capsys, "quotes", "show", "Q000001")
    assert "version 1 (commercial, draft)" in out and "(by hand: case price)" in out
    assert "history:" in out and "cli:" in out

    draft = embedded / "draft.pdf"
    code, out, _ = run(capsys, "quotes", "pdf", "Q000001", "--out", str(draft))
    assert out == f"quote Q000001 version 1 (printed now) written to {draft}\n"
    assert draft.read_bytes().startswith(b"%PDF")
    html = embedded / "draft.html"
    run(capsys, "quotes", "pdf", "Q000001", "--format", "html", "--out", str(html))
    assert "Quote Q000001" in html.read_text()

    code, out, _ = run(capsys, "quotes", "send", "Q000001")
    assert out == "quote Q000001 version 1 sent to buyer@acme.example\n"
    code, out, err = run(capsys, "quotes", "add-line", "Q000001", "1", "PAPER-A4", "1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("orderb2b: version 1 was sent on ") and "make a new version" in err
    sent = embedded / "sent.pdf"
    code, out, _ = run(capsys, "quotes", "pdf", "Q000001", "1", "--out", str(sent))
    assert "(as sent)" in out
    app = cli._app()
    kept, _ = quote_queries.version_pdf(app.engine, "Q000001", 1)
    assert sent.read_bytes() == kept

    code, out, _ = run(capsys, "quotes", "link", "Q000001", "--days", "7")
    url, valid = out.splitlines()
    assert url.startswith("https://b2b.example.com/quote/Q000001.1.")
    assert valid.startswith("version 1, valid until ")

    code, out, _ = run(
        capsys, "quotes", "convert", "Q000001", "--payment", "purchase_order", "--po", "PO-88"
    )
    assert out == "order SO0000001 made from quote Q000001\n"
    code, out, _ = run(capsys, "quotes", "convert", "Q000001")
    assert out == "order SO0000001 was made already from quote Q000001\n"
    code, out, _ = run(capsys, "orders", "show", "SO0000001", "--json")
    order = json.loads(out)
    assert order["channel"] == "quote" and order["payment"]["terms"] == "PO PO-88"

    code, out, _ = run(capsys, "quotes", "version", "Q000001", "--kind", "gsa")
    assert code == 2  # ordered: no more versions
    code, out, _ = run(capsys, "quotes", "list")
    assert out.splitlines()[1].split()[:3] == ["Q000001", "ordered", "ACME"]
    code, out, _ = run(capsys, "quotes", "list", "--status", "draft", "--json")
    assert json.loads(out) == []
    app.close()


def test_new_versions_status_actions_and_leads_from_the_shell(capsys, embedded):
    run(capsys, "quotes", "add", "--customer", "ACME", "--line", "TONER-85A:1")
    run(capsys, "quotes", "send", "Q000001", "--to", "dana@acme.example")
    code, out, _ = run(capsys, "quotes", "version", "Q000001", "--kind", "gsa")
    assert out == "quote Q000001 version 2 added\n"
    code, out, _ = run(capsys, "quotes", "version", "Q000001", "--empty")
    assert out == "quote Q000001 version 3 added\n"
    code, out, _ = run(capsys, "quotes", "show", "Q000001", "--json")
    versions = json.loads(out)["versions"]
    assert [(v["kind"], v["status"], len(v["lines"])) for v in versions] == [
        ("commercial", "sent", 1),
        ("gsa", "draft", 1),
        ("commercial", "draft", 0),
    ]
    assert versions[0]["sent_to"] == "dana@acme.example"
    code, out, _ = run(capsys, "quotes", "change", "Q000001", "--action", "accept")
    assert out == "quote Q000001 changed; it is accepted\n"

    lead = ("--lead", "Harbor Dental", "--email", "office@harbor.example")
    code, out, _ = run(capsys, "quotes", "add", *lead, "--contact", "Priya Raman")
    assert code == 0
    assert out == "quote Q000002 added\n"
    out = run(capsys, "quotes", "show", "Q000002", "--json")[1]
    assert json.loads(out)["customer"]["group"] == "EAST-SMB"


def test_requests_for_quotation_from_the_shell(capsys, embedded):
    app = cli._app()
    for email in ("buyer@acme.example", "someone@elsewhere.example"):
        request = commands.ReceiveRfq(
            "web",
            email,
            company="Acme",
            message="Toner please",
            lines=({"part": "TONER-85A", "quantity": "5"},),
        )
        app.bus.execute(request, quotes.SETUP)
    app.close()
    code, out, _ = run(capsys, "rfqs", "list")
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["NUMBER", "STATUS", "SOURCE"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["RFQ000002", "new", "web"],
        ["RFQ000001", "new", "web"],
    ]
    code, out, _ = run(capsys, "rfqs", "show", "RFQ000001", "--json")
    assert json.loads(out)["customer"] == "ACME"
    code, out, _ = run(capsys, "rfqs", "show", "RFQ000001")
    assert "Toner please" in out and "5 x TONER-85A" in out
    code, out, _ = run(capsys, "rfqs", "quote", "RFQ000001")
    assert out == "quote Q000001 made from request RFQ000001\n"
    code, out, _ = run(capsys, "rfqs", "decline", "RFQ000002")
    assert out == "request RFQ000002 declined\n"
    code, out, _ = run(capsys, "rfqs", "list", "--status", "quoted", "--json")
    assert [(r["number"], r["quote"]) for r in json.loads(out)] == [("RFQ000001", "Q000001")]
    code, out, err = run(capsys, "rfqs", "quote", "RFQ000002")
    assert code == 2 and err == "orderb2b: request RFQ000002 is declined; it cannot be quoted\n"


def test_bad_options_are_one_line_errors(capsys, embedded):
    for args, message in (
        (("quotes", "add", "--customer", "NOPE"), "orderb2b: no customer NOPE\n"),
        (("quotes", "add", "--customer", "ACME", "--line", "TONER-85A"), "SKU:QUANTITY"),
        (("quotes", "add", "--customer", "ACME", "--line", "TONER-85A:two"), "expected a number"),
        (
            ("quotes", "add", "--customer", "ACME", "--email", "x@y.example"),
            "describe a new --lead",
        ),
        (("quotes", "add", "--customer", "ACME", "--valid-until", "soon"), "YYYY-MM-DD"),
        (("quotes", "show", "Q999999"), "orderb2b: no quote Q999999\n"),
        (("quotes", "change", "Q999999"), "nothing to change"),
        (("quotes", "link", "Q999999", "--days", "0"), "--days must be from 1 to 366"),
        (("rfqs", "show", "RFQ000009"), "no request for quotation RFQ000009"),
    ):
        code, out, err = run(capsys, *args)
        assert code == 2 and out == "" and err.count("\n") == 1, args
        assert message in err, (args, err)
