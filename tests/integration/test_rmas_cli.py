"""`orderb2b rmas ...` in-process, on the embedded default and on PostgreSQL: open a
return on a shipped order, edit it, take it through its statuses, comment on it,
archive it, list and show it; bad input answered in one line with exit code 2."""

from __future__ import annotations

import getpass
import json
from decimal import Decimal

import pytest

from core import commands
from core.ports import SYSTEM
from hub import cli
from tests.integration.test_shipments_invoices import ORDER, ship

OPERATOR = f"cli:{getpass.getuser()}"


@pytest.fixture
def app(monkeypatch, tmp_path, database_url):
    """The hub the CLI opens (same data directory and database), for the setup."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORDERB2B_DATABASE_URL", database_url)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    app = cli._app()
    yield app
    app.close()


@pytest.fixture
def order(app) -> str:
    """Six boxes of gloves (line 1) and the monitor (line 3) shipped."""
    _outcome, number = app.bus.execute(commands.IngestOrder(ORDER), SYSTEM)
    ship(app, number, {1: Decimal("6"), 3: Decimal("1.5")})
    return number


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, ""), err
    return out


def as_json(capsys, *args: str):
    return json.loads(ok(capsys, *args, "--json"))


def test_a_return_from_open_to_closed(app, order, capsys):
    opened = ok(
        capsys,
        *("rmas", "open", order, "--line", "1:2", "--line", "3:1"),
        *("--reason-code", "wrong_item", "--resolution", "credit", "--notes", "Wrong size"),
    )
    assert opened == "RMA000001\n"
    assert ok(capsys, "rmas", "edit", "RMA000001", "--line", "1:3", "--email", "ap@x.example.org")
    assert ok(capsys, "rmas", "authorize", "RMA000001") == "RMA000001 requested -> authorized\n"
    received = ok(capsys, "rmas", "receive", "RMA000001", "--line", "1:3:opened")
    assert received == "RMA000001 authorized -> received\n"
    assert ok(capsys, "rmas", "close", "RMA000001", "--reason", "Credit note CN7") == (
        "RMA000001 received -> closed\n"
    )
    assert ok(capsys, "rmas", "comment", "RMA000001", "Mine only") == (
        "comment 1 (private) on RMA000001\n"
    )
    ok(capsys, "rmas", "comment", "RMA000001", "For everyone", "--public")

    shown = as_json(capsys, "rmas", "show", "RMA000001")
    assert (shown["status"], shown["created_by"], shown["contact_email"]) == (
        "closed",
        OPERATOR,
        "ap@x.example.org",
    )
    assert shown["notes"] == "Wrong size\nclosed: Credit note CN7"
    assert [
        (x["order_line_number"], x["quantity"], x["received_quantity"], x["condition"])
        for x in shown["lines"]
    ] == [(1, "3", "3", "opened"), (3, "1", "0", "missing")]
    assert [(c["visibility"], c["author"]) for c in shown["comments"]] == [
        ("private", OPERATOR),
        ("public", OPERATOR),
    ]
    assert {entry["actor"] for entry in shown["history"]} == {OPERATOR}
    text = ok(capsys, "rmas", "show", "RMA000001")
    assert text.startswith(f"RMA RMA000001  [closed]  order {order}\n")
    assert "  reason: wrong_item\n" in text and "  history:\n" in text

    listed = as_json(capsys, "rmas", "list", "--order", order)
    assert [(r["number"], r["status"], r["quantity"]) for r in listed] == [
        ("RMA000001", "closed", "4")
    ]
    header, row = ok(capsys, "rmas", "list", "--status", "closed").splitlines()
    assert header.split() == ["NUMBER", "STATUS", "ORDER", "REASON", "RESOLUTION", "QTY"]
    assert row.split() == ["RMA000001", "closed", order, "wrong_item", "credit", "4"]
    assert ok(capsys, "rmas", "archive", "RMA000001") == "RMA000001 archived\n"
    assert as_json(capsys, "rmas", "list") == []
    assert len(as_json(capsys, "rmas", "list", "--archived")) == 1


def test_reject_and_cancel_keep_the_reason(app, order, capsys):
    opening = ("--reason-code", "no_longer_needed", "--resolution", "refund")
    ok(capsys, "rmas", "open", order, "--line", "1:1", *opening)
    ok(capsys, "rmas", "open", order, "--line", "1:1", *opening)
    ok(capsys, "rmas", "reject", "RMA000001", "--reason", "Opened box")
    assert ok(capsys, "rmas", "cancel", "RMA000002") == "RMA000002 requested -> cancelled\n"
    shown = as_json(capsys, "rmas", "show", "RMA000001")
    assert (shown["status"], shown["notes"]) == ("rejected", "rejected: Opened box")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("open", "{order}", "--line", "1:7"), "order line 1: 7 BX asked but only 6 BX"),
        (("open", "{order}", "--line", "2:1"), "only 0 CS shipped"),
        (("open", "{order}", "--line", "one:1"), "'one' is not an order line number"),
        (("open", "{order}", "--line", "1:lots"), "'lots' is not a quantity"),
        (("open", "{order}", "--line", "1"), "expected LINE:QTY"),
        (("open", "{order}", "--line", "1:1", "--line", "1:2"), "order line 1 is named twice"),
        (("open", "SO9999999", "--line", "1:1"), "no order SO9999999"),
        (("open", "{order}", "--line", "1:1", "--email", "nobody"), "is not an email address"),
        (("show", "RMA999999"), "no RMA RMA999999"),
        (("authorize", "RMA999999"), "no RMA RMA999999"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(app, order, capsys, args, message):
    args = [arg.format(order=order) for arg in args]
    if args[0] == "open":
        args += ["--reason-code", "damaged", "--resolution", "refund"]
    code, out, err = run(capsys, "rmas", *args)
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1
    assert message in err
    assert as_json(capsys, "rmas", "list") == []


def test_wrong_steps_are_refused(app, order, capsys):
    ok(capsys, "rmas", "open", order, "--line", "1:1", "--reason-code", "damaged",
       "--resolution", "repair")  # fmt: skip
    for args, message in (
        (("close", "RMA000001"), "RMA000001 is requested; it cannot be closed"),
        (("receive", "RMA000001", "--line", "1:1"), "is requested; it cannot be received"),
        (("edit", "RMA000001"), "name something to change"),
        (("receive", "RMA000001", "--line", "1:1:broken"), "condition is one of new, opened"),
        (("comment", "RMA000001", "   "), "a comment needs some text"),
    ):
        code, _out, err = run(capsys, "rmas", *args)
        assert code == 2 and message in err, err
    assert as_json(capsys, "rmas", "show", "RMA000001")["status"] == "requested"
