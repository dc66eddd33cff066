"""The `orderb2b` command on the embedded default."""

from __future__ import annotations

import json

import pytest

from core.storage.migrate import head
from hub.cli import main
from hub.demo import order_request
from tests.conftest import FIXTURES


@pytest.fixture
def embedded(monkeypatch, tmp_path):
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_prints_a_json_list_of_canonical_orders(capsys):
    code, out, err = run(capsys, "parse", "--channel", "cxml", str(FIXTURES / "cxml" / "pcard.xml"))
    assert (code, err) == (0, "")
    orders = json.loads(out)
    assert isinstance(orders, list) and len(orders) == 1
    assert orders[0]["channel"] == "cxml"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("parse", "--channel", "cxml", "missing.xml"), "missing.xml: no such file"),
        (("parse", "--channel", "x12", str(FIXTURES / "cxml" / "pcard.xml")), "ISA"),
        (("parse", "--channel", "spapi", str(FIXTURES / "cxml" / "pcard.xml")), "JSON"),
        (("parse", "--channel", "cxml", str(FIXTURES / "hostile" / "billion_laughs.xml")), ""),
        (("parse", "--channel", "cxml", str(FIXTURES / "hostile" / "not_xml.txt")), ""),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("orderb2b: ") and err.count("\n") == 1
    assert message in err


def test_demo_ingest_list_show_and_queues(capsys, embedded):
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "staff login: admin / " in out
    assert (embedded / "data" / "orderb2b.db").is_file()
    document = embedded / "order.xml"
    document.write_bytes(order_request("CLI-1", lines=2))
    code, out, _ = run(capsys, "ingest", "--channel", "cxml", str(document))
    result = json.loads(out)
    assert code == 0 and result["state"] == "processed" and len(result["orders"]) == 1
    code, out, _ = run(capsys, "ingest", "--channel", "cxml", str(document))
    assert json.loads(out)["state"] == "duplicate"
    code, out, _ = run(capsys, "orders", "list", "--json")
    listed = json.loads(out)
    assert listed[0]["external_order_id"] == "CLI-1" and len(listed) == 4
    code, out, _ = run(capsys, "orders", "list", "--status", "cancelled", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "orders", "show", result["orders"][0], "--json")
    detail = json.loads(out)
    assert detail["external_order_id"] == "CLI-1" and detail["history"]
    code, out, _ = run(capsys, "queues")
    assert "transport: in-process" in out and "dead letters: 0" in out


def test_unknown_order_and_dead_letter_are_exit_code_2(capsys, embedded):
    assert run(capsys, "orders", "show", "SO9999999")[0] == 2
    code, _, err = run(capsys, "queues", "replay", "42")
    assert code == 2 and "no dead letter 42" in err


def test_bad_ingest_writes_nothing(capsys, embedded):
    document = embedded / "bad.xml"
    document.write_bytes(b"<cXML><Header/></cXML>")
    assert run(capsys, "ingest", "--channel", "cxml", str(document))[0] == 2
    code, out, _ = run(capsys, "orders", "list", "--json")
    assert code == 0 and json.loads(out) == []


def test_db_upgrade_builds_the_embedded_database(capsys, embedded):
    code, out, _ = run(capsys, "db", "upgrade")
    assert (code, out.strip()) == (0, f"database at revision {head()}")
    assert (embedded / "data" / "orderb2b.db").is_file()


def test_partners_add_change_list_show(capsys, embedded, monkeypatch):
    secret_file = embedded / "secret.txt"
    secret_file.write_text("buyer-secret\n")
    monkeypatch.setenv("OUR_SECRET", "we-send")
    code, out, err = run(
        capsys, "partners", "add", "fedmall", "--name", "DLA FedMall", "--channel", "cxml",
        "--identity-domain", "DUNS", "--identity", "012345678",
        "--shared-secret-file", str(secret_file), "--outbound-secret-env", "OUR_SECRET",
        "--endpoint", "order_confirmation=https://fedmall.example/cxml",
    )  # fmt: skip
    assert (code, out, err) == (0, "partner fedmall added\n", "")
    assert run(capsys, "partners", "change", "fedmall", "--mode", "test")[0] == 0
    code, out, _ = run(capsys, "partners", "list")
    assert code == 0 and "fedmall" in out and "DUNS/012345678" in out and "test" in out
    code, out, _ = run(capsys, "partners", "show", "fedmall", "--json")
    shown = json.loads(out)
    assert shown["identity"] == "012345678" and shown["outbound_secret_set"] is True
    assert [entry["action"] for entry in shown["history"]] == ["create", "update"]
    assert "buyer-secret" not in out and "we-send" not in out


ADD_P = ("partners", "add", "p", "--name", "P", "--channel", "x12")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("partners", "show", "ghost"), "no partner ghost"),
        ((*ADD_P, "--endpoint", "x"), "NAME=URL"),
        ((*ADD_P, "--shared-secret-env", "NOPE_"), "NOPE_"),
        (("partners", "change", "p"), "nothing to change"),
    ],
)
def test_partner_errors_are_one_line_and_exit_code_2(capsys, embedded, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("orderb2b: ") and err.count("\n") == 1 and message in err


def test_the_document_size_limit_holds_at_the_cli_too(capsys, monkeypatch):
    monkeypatch.setenv("ORDERB2B_MAX_DOCUMENT_BYTES", "1000")
    code, out, err = run(capsys, "parse", "--channel", "cxml", str(FIXTURES / "cxml" / "pcard.xml"))
    assert (code, out) == (2, "") and "larger than the document size limit of 1000 bytes" in err


def test_demo_generates_customers_and_orders_and_adds_more_when_run_again(capsys, embedded):
    code, out, _ = run(capsys, "demo", "--orders", "50", "--customers", "20")
    assert code == 0 and "20 customers and 50 orders generated; 53 orders in all" in out
    code, out, _ = run(capsys, "orders", "counts", "--json")
    counts = json.loads(out)
    assert sum(counts.values()) == 53 and counts["closed"] > 0
    code, out, _ = run(capsys, "orders", "list", "--limit", "1", "--json")
    newest = json.loads(out)[0]
    assert newest["number"] == "SO0000053" and newest["buyer_organisation"]
    code, out, err = run(capsys, "demo", "--orders", "50", "--customers", "20")
    assert code == 0 and "demo data already loaded" in out
    assert "20 more customers and 50 more orders generated; 103 orders in all" in out
    assert "50 of 50 orders generated" in err


@pytest.mark.parametrize(
    ("channel", "name"),
    [
        ("mws", "order_report.xml"),
        ("spapi", "get_orders_page1.json"),
        ("newegg", "page_three_orders.xml"),
    ],
)
def test_marketplace_files_are_ingested_from_the_cli(capsys, embedded, channel, name):
    path = FIXTURES / channel / name
    expected = json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    code, out, err = run(capsys, "ingest", "--channel", channel, "--partner", "shop", str(path))
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["state"] == "processed" and len(result["orders"]) == len(expected)
    code, out, _ = run(capsys, "orders", "list", "--json")
    listed = {(o["channel"], o["partner"], o["external_order_id"]) for o in json.loads(out)}
    assert listed == {(channel, "shop", order["external_order_id"]) for order in expected}
