"""`orderb2b payments ...` and `orderb2b invoices overdue|owed` on the embedded default,
against the local gateways."""

from __future__ import annotations

import json

import pytest

from hub import cli
from tests.api_client import ApiClient
from tests.integration import test_payments as payments
from tests.payment_servers import AuthorizeNetServer, PayPalServer


@pytest.fixture
def gateways():
    with AuthorizeNetServer(delay=1.0) as authorize_net, PayPalServer() as paypal:
        yield authorize_net, paypal


@pytest.fixture
def embedded(monkeypatch, tmp_path, capsys, gateways):
    """The embedded hub with the invoices of the payment tests: INV0000001 (MERCY, Net
    30, 506.40, overdue) and INV0000002 (CITY, 250.00)."""
    authorize_net, paypal = gateways
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    for name in ("ORDERB2B_DATABASE_URL", "ORDERB2B_AMQP_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (
        ("AUTHORIZENET_URL", authorize_net.url),
        ("AUTHORIZENET_LOGIN_ID", authorize_net.login_id),
        ("AUTHORIZENET_TRANSACTION_KEY", authorize_net.transaction_key),
        ("PAYPAL_URL", paypal.base_url),
        ("PAYPAL_CLIENT_ID", paypal.client_id),
        ("PAYPAL_SECRET", paypal.secret),
        ("PAYMENT_TIMEOUT", "0.3"),
    ):
        monkeypatch.setenv(f"ORDERB2B_{name}", value)
    app = cli._app()
    for username in ("tnguyen", "kbrandt"):  # the sales teams' people
        ApiClient(app).token(username, "salesperson")
    payments.seed(app)
    app.close()
    capsys.readouterr()
    return gateways


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_card_is_authorised_captured_refunded_listed_and_shown(capsys, embedded):
    take = ("payments", "take", "INV0000001", "--gateway", "authorize_net", "--token", "tok-1")
    code, out, err = run(capsys, *take, "--action", "authorise", "--amount", "300.00")
    assert (code, out, err) == (
        0,
        "payment PAY0000001 authorised: 300.00 USD via authorize_net\n",
        "",
    )
    code, out, _ = run(capsys, "payments", "capture", "PAY0000001", "--amount", "250.00")
    assert out == "payment PAY0000001 captured: 300.00 USD via authorize_net\n"
    code, out, _ = run(
        capsys, "payments", "refund", "PAY0000001", "--amount", "50", "--reason", "short"
    )
    assert out == "payment PAY0000001 partially_refunded: 300.00 USD via authorize_net\n"

    code, out, _ = run(capsys, "payments", "list")
    header, row = out.splitlines()
    assert header.split()[:3] == ["NUMBER", "INVOICE", "STATE"]
    assert row.split() == [
        "PAY0000001",
        "INV0000001",
        "partially_refunded",
        "authorize_net",
        "300.00",
        "USD",
        "Visa",
        "XXXX1111",
    ]
    code, out, _ = run(capsys, "payments", "list", "--state", "captured", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "payments", "show", "PAY0000001")
    assert "Payment PAY0000001 of invoice INV0000001  [partially_refunded]" in out
    assert "captured 250.00, refunded 50.00" in out and "card: Visa XXXX1111" in out
    assert "refund approved" in out and "captured -> partially_refunded" in out and "cli:" in out
    code, out, _ = run(capsys, "payments", "show", "PAY0000001", "--json")
    assert [e["outcome"] for e in json.loads(out)["events"]] == ["requested", "approved"] * 3

    code, out, _ = run(capsys, "invoices", "owed", "INV0000001")
    assert "Invoice INV0000001: total 506.40 USD" in out
    assert "  paid            200.00" in out and "  due             306.40" in out


def test_a_decline_or_a_failing_gateway_is_one_line_and_exit_2(capsys, embedded):
    authorize_net, _ = embedded
    take = ("payments", "take", "INV0000001", "--gateway", "authorize_net")
    code, out, err = run(capsys, *take, "--token", "decline-5", "--amount", "10")
    assert (code, out) == (2, "")
    assert err == (
        "orderb2b: payment PAY0000001 declined: This transaction has been declined."
        " (state declined)\n"
    )
    authorize_net.fail_next("slow")
    code, out, err = run(capsys, *take, "--token", "tok", "--amount", "10")
    assert code == 2 and err.startswith(
        "orderb2b: payment PAY0000002 failed: authorize_net: no answer"
    )
    assert err.endswith("(state failed)\n") and err.count("\n") == 1
    code, out, err = run(capsys, "payments", "list", "--json")
    assert [p["state"] for p in json.loads(out)] == ["failed", "declined"], "both are recorded"

    for args, message in (
        (("--token", "tok", "--amount", "ten"), "orderb2b: --amount 'ten' is not a number\n"),
        (("--amount", "10"), "orderb2b: authorize_net needs the buyer's card token\n"),
        (("--token", "t", "--amount", "999"), "orderb2b: invoice INV0000001: 999.00 is more than"),
    ):
        code, out, err = run(capsys, *take, *args)
        assert code == 2 and err.startswith(message), err
    code, out, err = run(capsys, "payments", "capture", "PAY0000009")
    assert (code, err) == (2, "orderb2b: no payment PAY0000009\n")


def test_paypal_shows_where_the_buyer_approves(capsys, embedded):
    _, paypal = embedded
    code, out, _ = run(capsys, "payments", "take", "INV0000002", "--gateway", "paypal")
    assert code == 0
    order_id = next(iter(paypal.orders))
    assert out.splitlines() == [
        "payment PAY0000001 pending: 250.00 USD via paypal",
        f"  the buyer approves it at https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
    ]
    paypal.approve(order_id)
    out = run(capsys, "payments", "capture", "PAY0000001")[1]
    assert out == "payment PAY0000001 captured: 250.00 USD via paypal\n"
    out = run(capsys, "payments", "gateways")[1]
    assert out.split() == ["authorize_net", "paypal", "manual"]


def test_money_received_by_hand_and_the_overdue_list(capsys, embedded):
    code, out, _ = run(capsys, "invoices", "overdue")
    row = out.splitlines()[1]
    assert row.split()[:2] == ["INV0000001", "MERCY"] and row.split()[-2:] == ["506.40", "USD"]
    code, out, _ = run(
        capsys,
        *("payments", "take", "INV0000001", "--gateway", "manual", "--method", "cheque"),
        *("--reference", "CHQ 10442", "--received-on", "2026-03-02"),
    )
    assert out == "payment PAY0000001 captured: 506.40 USD via manual\n"
    code, out, _ = run(capsys, "invoices", "overdue", "--json")
    assert json.loads(out) == []
    code, out, err = run(capsys, "invoices", "overdue", "--as-of", "March 1")
    assert (code, err) == (2, "orderb2b: --as-of 'March 1': expected YYYY-MM-DD\n")
    code, out, _ = run(capsys, "invoices", "list")
    assert "INV0000001" in out, "the invoices group keeps its own subcommands"
