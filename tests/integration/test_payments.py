"""Payments on both databases, through /api/v1 and the core, against local gateways
(tests/payment_servers.py): taken by card or PayPal, captured, voided and refunded,
received by hand; every request and answer listed; declines kept as payments; each
gateway failure leaving exactly a recorded attempt; amounts held to what may be
taken; net terms and the overdue list; team scope; never deleted."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, text

from core import commands
from core.canonical import CanonicalOrder, OrderLine, Payment, PaymentResult
from core.errors import DeletionRefused
from core.handlers.payments import change, pay
from core.model.payments import PaymentRefused
from core.ports import Actor
from core.storage import payment_queries, tables
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient
from tests.payment_servers import AuthorizeNetServer, PayPalServer

SETUP = Actor("system", "setup")
STAFF = Actor("staff", "accounts")
NOW = datetime.now(UTC)
MERCY_ORDER = CanonicalOrder(
    channel="cxml",
    partner="mercy-health",
    external_order_id="PO-7001",
    order_date=NOW - timedelta(days=50),
    currency="USD",
    lines=(
        OrderLine(1, Decimal("10"), "BX", unit_price=Decimal("24.95"), supplier_part_id="GLV-M"),
        OrderLine(2, Decimal("4"), "CS", unit_price=Decimal("52.10"), supplier_part_id="PPR-LTR"),
    ),
    shipping_amount=Decimal("38.50"),
    tax_amount=Decimal("20.00"),
    discount_amount=Decimal("10.00"),
    payment=Payment("net_terms", net_days=30, terms="Net 30"),
)
MERCY_TOTAL = Decimal("506.40")  # 249.50 + 208.40 + 38.50 + 20.00 - 10.00
CITY_ORDER = CanonicalOrder(
    channel="cxml",
    partner="riverton",
    external_order_id="PO-9001",
    order_date=NOW,
    currency="USD",
    lines=(
        OrderLine(1, Decimal("2"), "EA", unit_price=Decimal("125.00"), supplier_part_id="LAMP"),
    ),
    payment=Payment("card"),
)


@pytest.fixture
def authorize_net():
    with AuthorizeNetServer(delay=1.0) as server:
        yield server


@pytest.fixture
def paypal():
    with PayPalServer(delay=1.0) as server:
        yield server


@pytest.fixture
def app(database_url, data_dir, monkeypatch, authorize_net, paypal):
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
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def tokens(api):
    return {
        "admin": api.token("mgarcia", "administrator"),
        "accounting": api.token("jokafor", "accounting"),
        "east": api.token("tnguyen", "salesperson"),
        "west": api.token("kbrandt", "salesperson"),
    }


@pytest.fixture
def invoices(app, tokens) -> dict[str, str]:
    """Invoices of MERCY (team EAST; Net 30, dated 45 days ago: due 15 days ago) and
    CITY (team WEST; by card, dated today)."""
    return seed(app)


def seed(app) -> dict[str, str]:
    def run(command):
        return app.bus.execute(command, SETUP)

    for team, member, group, customer, partner in (
        ("EAST", "tnguyen", "EAST-SMB", "MERCY", "mercy-health"),
        ("WEST", "kbrandt", "WEST-GOV", "CITY", "riverton"),
    ):
        run(commands.AddSalesTeam(team, f"Team {team.title()}"))
        run(commands.JoinTeam(team, member))
        run(commands.AddCustomerGroup(group, group.title(), team=team))
        run(commands.AddCustomer(customer, customer.title(), {"partner_code": partner}, group))
    made = {}
    for name, order, days in (("mercy", MERCY_ORDER, 45), ("city", CITY_ORDER, 0)):
        run(commands.IngestOrder(order))
        with app.engine.connect() as connection:
            number = connection.execute(
                select(tables.orders.c.number).where(
                    tables.orders.c.external_order_id == order.external_order_id
                )
            ).scalar_one()
        invoice_date = NOW - timedelta(days=days)
        made[name] = run(commands.CreateInvoice(number, invoice_date=invoice_date))
    return made


def take(api, staff_token, invoice, **body):
    body.setdefault("gateway", "authorize_net")
    if body["gateway"] == "authorize_net":
        body.setdefault("token", "tok-visa")
    return api.post(f"/api/v1/invoices/{invoice}/payments", staff_token, body)


def events(detail) -> list[tuple]:
    return [
        (e["action"], e["outcome"], e["state_before"], e["state_after"]) for e in detail["events"]
    ]


def outbox(app, routing_key: str) -> list[dict]:
    with app.engine.connect() as connection:
        rows = connection.execute(
            select(tables.outbox.c.payload).where(tables.outbox.c.routing_key == routing_key)
        ).scalars()
        return [json.loads(row) for row in rows]


def count(app, table) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_card_sale_is_taken_captured_and_listed(app, api, tokens, invoices, authorize_net):
    invoice = invoices["mercy"]
    status, payment = take(api, tokens["accounting"], invoice)
    assert status == 201, payment
    assert payment["number"] == "PAY0000001" and payment["invoice_number"] == invoice
    assert (payment["state"], payment["amount"], payment["captured_amount"]) == (
        "captured",
        "506.40",
        "506.40",
    )
    assert (payment["gateway"], payment["method"], payment["customer"]) == (
        "authorize_net",
        "card",
        "MERCY",
    )
    assert (payment["card_brand"], payment["card_last4"]) == ("Visa", "1111")
    assert payment["authorization_code"] and payment["transaction_id"]
    assert payment["outcome"]["outcome"] == "approved"
    assert events(payment) == [
        ("sale", "requested", "pending", "pending"),
        ("sale", "approved", "pending", "captured"),
    ]
    answer = payment["events"][1]
    assert answer["gateway_code"] == "1" and answer["actor"] == "jokafor"
    assert json.loads(answer["raw"])["transactionResponse"]["accountNumber"] == "XXXX1111"
    assert [h["action"] for h in payment["history"]] == ["create", "update"]

    sent = authorize_net.requests[-1]["createTransactionRequest"]
    assert sent["refId"] == "PAY0000001"
    assert sent["transactionRequest"]["order"] == {
        "invoiceNumber": "PAY0000001",
        "description": f"Invoice {invoice}",
    }
    # The card token reached the gateway and nothing of ours.
    with app.engine.connect() as connection:
        kept = [
            json.dumps([str(v) for v in row])
            for table in (tables.payments, tables.payment_events, tables.history, tables.outbox)
            for row in connection.execute(select(table))
        ]
    assert not [row for row in kept if "tok-visa" in row]

    recorded, changed = outbox(app, "payment.recorded"), outbox(app, "payment.status_changed")
    assert recorded == [
        {
            "number": "PAY0000001",
            "invoice_number": invoice,
            "order_number": payment["order_number"],
            "gateway": "authorize_net",
            "method": "card",
            "amount": "506.40",
            "currency": "USD",
            "state": "pending",
        }
    ]
    assert [(c["previous_state"], c["state"]) for c in changed] == [("pending", "captured")]

    status, owed = api.get(f"/api/v1/invoices/{invoice}/payments", tokens["accounting"])
    assert status == 200 and (owed["total"], owed["paid"], owed["due"]) == (
        "506.40",
        "506.40",
        "0.00",
    )
    assert [p["number"] for p in owed["payments"]] == ["PAY0000001"]
    status, listing = api.get(
        "/api/v1/payments?state=captured&gateway=authorize_net", tokens["admin"]
    )
    assert [p["number"] for p in listing["payments"]] == ["PAY0000001"]
    status, listing = api.get("/api/v1/payments?state=refunded", tokens["admin"])
    assert listing["payments"] == []
    status, problem = take(api, tokens["accounting"], invoice)
    assert status == 409 and "nothing left to pay" in problem["detail"]


def test_the_attempt_is_committed_before_the_gateway_is_asked_outside_any_transaction(
    app, invoices, database_url, tokens
):
    seen = {}

    class Probe:
        """Looks at the database from outside while it is being asked."""

        name = "probe"

        def execute(self, request):
            seen["payment"] = payment_queries.payment_detail(app.engine, request.reference)
            seen["writable"] = _writable_now(app, database_url, invoices["mercy"])
            return PaymentResult("approved", "P-1", request.amount, request.currency)

    command = commands.TakePayment(invoices["mercy"], "probe", "sale", Decimal("100.00"))
    outcome = pay(app.bus.execute, {"probe": Probe()}, command, STAFF)
    assert (outcome.state, outcome.outcome) == ("captured", "approved")
    assert seen["payment"]["state"] == "pending" and seen["payment"]["in_flight"] == "sale"
    assert events(seen["payment"]) == [("sale", "requested", "pending", "pending")]
    assert seen["writable"], "no transaction (or lock) is held while the gateway is asked"


def _writable_now(app, database_url: str, invoice: str) -> bool:
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0.2)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            connection.close()
    with app.engine.connect() as connection, connection.begin():
        try:
            connection.execute(
                text("SELECT id FROM invoices WHERE number = :n FOR UPDATE NOWAIT"), {"n": invoice}
            )
            return True
        except Exception:
            return False


def test_authorise_capture_part_refund_and_void(api, tokens, invoices, authorize_net):
    invoice, token = invoices["mercy"], tokens["accounting"]
    status, payment = take(api, token, invoice, action="authorise", amount="300.00")
    assert status == 201 and payment["state"] == "authorised"
    number = payment["number"]
    status, problem = take(api, token, invoice, amount="206.41")
    assert status == 409 and "206.40 USD still open" in problem["detail"], "authorised is held"

    asked = authorize_net.count
    status, problem = api.post(f"/api/v1/payments/{number}/capture", token, {"amount": "300.01"})
    assert status == 409 and "more than the 300.00 USD that may be captured" in problem["detail"]
    assert authorize_net.count == asked, "a refused change asks nothing of the gateway"
    status, captured = api.post(f"/api/v1/payments/{number}/capture", token, {"amount": "280.00"})
    assert status == 200 and (captured["state"], captured["captured_amount"]) == (
        "captured",
        "280.00",
    )

    status, refunded = api.post(
        f"/api/v1/payments/{number}/refund", token, {"amount": "80.00", "reason": "damaged box"}
    )
    assert status == 200 and refunded["state"] == "partially_refunded"
    assert authorize_net.requests[-1]["createTransactionRequest"]["transactionRequest"][
        "payment"
    ] == {"creditCard": {"cardNumber": "1111", "expirationDate": "XXXX"}}
    status, problem = api.post(f"/api/v1/payments/{number}/refund", token, {"amount": "200.01"})
    assert status == 409 and "200.00 USD that may be refunded" in problem["detail"]
    status, refunded = api.post(f"/api/v1/payments/{number}/refund", token)
    assert status == 200 and (refunded["state"], refunded["refunded_amount"]) == (
        "refunded",
        "280.00",
    )
    assert events(refunded)[2:] == [
        ("capture", "requested", "authorised", "authorised"),
        ("capture", "approved", "authorised", "captured"),
        ("refund", "requested", "captured", "captured"),
        ("refund", "approved", "captured", "partially_refunded"),
        ("refund", "requested", "partially_refunded", "partially_refunded"),
        ("refund", "approved", "partially_refunded", "refunded"),
    ]
    status, problem = api.post(f"/api/v1/payments/{number}/void", token)
    assert status == 409 and "is refunded: it cannot void" in problem["detail"]

    status, other = take(api, token, invoice, action="authorise", amount="100.00")
    status, voided = api.post(f"/api/v1/payments/{other['number']}/void", token, {"reason": "dup"})
    assert status == 200 and voided["state"] == "voided"
    status, owed = api.get(f"/api/v1/invoices/{invoice}/payments", token)
    assert (owed["paid"], owed["due"], owed["open"]) == ("0.00", "506.40", "506.40")


def test_a_declined_card_is_a_payment_in_state_declined(app, api, tokens, invoices):
    status, payment = take(api, tokens["accounting"], invoices["mercy"], token="decline-27")
    assert status == 201 and payment["state"] == "declined"
    assert payment["outcome"] == {
        "action": "sale",
        "outcome": "declined",
        "message": "This transaction has been declined.",
        "approval_url": None,
    }
    answer = payment["events"][-1]
    assert (answer["outcome"], answer["gateway_code"], answer["state_after"]) == (
        "declined",
        "2",
        "declined",
    )
    status, owed = api.get(f"/api/v1/invoices/{invoices['mercy']}/payments", tokens["accounting"])
    assert owed["open"] == "506.40", "a declined payment holds nothing"
    status, problem = api.post(
        f"/api/v1/payments/{payment['number']}/capture", tokens["accounting"]
    )
    assert status == 409 and "is declined" in problem["detail"]
    status, held = take(api, tokens["accounting"], invoices["mercy"], token="review-1")
    assert held["state"] == "pending" and held["transaction_id"]


@pytest.mark.parametrize(
    ("mode", "kind"), [("slow", "timeout"), ("500", "server_error"), ("malformed", "malformed")]
)
def test_a_failing_gateway_leaves_exactly_the_recorded_attempt(
    app, api, tokens, invoices, authorize_net, mode, kind
):
    invoice, token = invoices["mercy"], tokens["accounting"]
    authorize_net.fail_next(mode)
    status, payment = take(api, token, invoice, amount="100.00")
    assert status == 201 and payment["state"] == "failed"
    assert payment["in_flight"] is None and payment["transaction_id"] is None
    assert events(payment) == [
        ("sale", "requested", "pending", "pending"),
        ("sale", "failed", "pending", "failed"),
    ]
    failure = payment["events"][-1]
    assert failure["error_kind"] == kind and failure["message"].startswith("authorize_net: ")
    assert (count(app, tables.payments), count(app, tables.payment_events)) == (1, 2)
    assert count(app, tables.invoices) == 2, "the invoices are untouched"
    status, owed = api.get(f"/api/v1/invoices/{invoice}/payments", token)
    assert owed["open"] == "506.40", "a failed payment holds nothing"

    status, payment = take(api, token, invoice, action="authorise", amount="100.00")
    number = payment["number"]
    authorize_net.fail_next(mode)
    status, problem = api.post(f"/api/v1/payments/{number}/capture", token)
    assert status == 409 and "the capture failed: authorize_net" in problem["detail"]
    assert problem["detail"].endswith("it is authorised")
    status, payment = api.get(f"/api/v1/payments/{number}", token)
    assert payment["state"] == "authorised" and payment["in_flight"] is None
    assert events(payment)[-2:] == [
        ("capture", "requested", "authorised", "authorised"),
        ("capture", "failed", "authorised", "authorised"),
    ]
    status, payment = api.post(f"/api/v1/payments/{number}/capture", token)
    assert status == 200 and payment["state"] == "captured", "and it can be captured after"


def test_a_paypal_order_is_approved_by_the_buyer_then_captured_and_refunded(
    api, tokens, invoices, paypal
):
    invoice, token = invoices["city"], tokens["accounting"]
    status, payment = take(api, token, invoice, gateway="paypal")
    assert status == 201 and (payment["state"], payment["method"]) == ("pending", "paypal")
    order_id = payment["transaction_id"]
    assert payment["approval_url"].endswith(f"token={order_id}")
    assert payment["outcome"]["approval_url"] == payment["approval_url"]
    number = payment["number"]

    status, early = api.post(f"/api/v1/payments/{number}/capture", token)
    assert status == 200 and early["state"] == "pending"
    assert (
        early["outcome"]["outcome"] == "pending"
        and "not yet approved" in early["outcome"]["message"]
    )
    paypal.approve(order_id)
    status, captured = api.post(f"/api/v1/payments/{number}/capture", token)
    assert status == 200 and (captured["state"], captured["captured_amount"]) == (
        "captured",
        "250.00",
    )
    capture_id = captured["transaction_id"]
    assert capture_id != order_id and capture_id in paypal.captures
    status, refunded = api.post(f"/api/v1/payments/{number}/refund", token, {"amount": "50.00"})
    assert status == 200 and refunded["state"] == "partially_refunded"
    assert paypal.captures[capture_id]["refunded"] == Decimal("50.00")


def test_a_paypal_decline_leaves_the_order_pending_and_a_void_ends_it(
    api, tokens, invoices, paypal
):
    token = tokens["accounting"]
    status, payment = take(api, token, invoices["city"], gateway="paypal", amount="100.02")
    paypal.approve(payment["transaction_id"])
    status, problem = api.post(f"/api/v1/payments/{payment['number']}/capture", token)
    assert status == 409 and "the capture declined" in problem["detail"]
    assert problem["detail"].endswith("it is pending")
    status, voided = api.post(f"/api/v1/payments/{payment['number']}/void", token)
    assert status == 200 and voided["state"] == "voided"


def test_money_received_by_hand_and_the_overdue_list(api, tokens, invoices):
    invoice, token = invoices["mercy"], tokens["accounting"]
    status, overdue = api.get("/api/v1/payments/overdue", token)
    assert status == 200
    (item,) = overdue["invoices"]
    due_on = (NOW - timedelta(days=45)).date() + timedelta(days=30)
    assert (item["number"], item["customer"], item["due_date"]) == (
        invoice,
        "MERCY",
        due_on.isoformat(),
    )
    assert (item["due"], item["overdue_days"]) == ("506.40", (NOW.date() - due_on).days)
    early = (due_on - timedelta(days=1)).isoformat()
    status, overdue = api.get(f"/api/v1/payments/overdue?as_of={early}", token)
    assert overdue["invoices"] == [], "not overdue before its due date"

    status, cheque = take(
        api,
        token,
        invoice,
        gateway="manual",
        method="cheque",
        amount="400.00",
        reference="CHQ 10442",
        received_on="2026-03-02",
    )
    assert status == 201 and (cheque["state"], cheque["gateway"]) == ("captured", "manual")
    assert (cheque["reference"], cheque["received_on"]) == ("CHQ 10442", "2026-03-02")
    assert events(cheque) == [("receive", "approved", "pending", "captured")]
    status, overdue = api.get("/api/v1/payments/overdue", token)
    assert overdue["invoices"][0]["due"] == "106.40"
    status, wire = take(api, token, invoice, gateway="manual", method="wire")
    assert wire["amount"] == "106.40"
    status, overdue = api.get("/api/v1/payments/overdue", token)
    assert overdue["invoices"] == []

    status, refund = api.post(
        f"/api/v1/payments/{cheque['number']}/refund", token, {"amount": "50"}
    )
    assert status == 200 and refund["state"] == "partially_refunded"
    assert events(refund)[-1] == ("refund", "approved", "captured", "partially_refunded")
    status, overdue = api.get("/api/v1/payments/overdue", token)
    assert overdue["invoices"][0]["due"] == "50.00", "refunded money is owed again"
    status, problem = take(api, token, invoice, gateway="manual", method="barter")
    assert status == 409 and "method must be one of cheque" in problem["detail"]


def test_amounts_never_exceed_what_may_be_taken(app, api, tokens, invoices):
    invoice, token = invoices["mercy"], tokens["accounting"]
    for amount, detail in (
        ("506.41", "more than the 506.40 USD still open"),
        ("0", "must be a number above 0"),
        ("10.005", "whole cents"),
    ):
        status, problem = take(api, token, invoice, amount=amount)
        assert status == 409 and detail in problem["detail"], amount
    status, problem = take(api, token, invoice, amount=12.5)
    assert status == 400, "amounts travel as text"
    status, problem = take(api, token, invoice, gateway="stripe")
    assert status == 409 and "no payment gateway 'stripe'" in problem["detail"]
    status, problem = take(api, token, invoice, token=None)
    assert status == 409 and "needs the buyer's card token" in problem["detail"]
    assert count(app, tables.payments) == 0, "a refused payment writes nothing"
    status, problem = take(api, token, "INV9999999")
    assert status == 404


def test_payments_follow_the_team_scope_and_the_permission(api, tokens, invoices):
    status, payment = take(api, tokens["accounting"], invoices["mercy"], amount="10.00")
    number = payment["number"]
    status, seen = api.get(f"/api/v1/payments/{number}", tokens["east"])
    assert status == 200 and seen["number"] == number
    status, problem = api.get(f"/api/v1/payments/{number}", tokens["west"])
    assert status == 404
    status, listing = api.get("/api/v1/payments", tokens["west"])
    assert listing["payments"] == []
    status, problem = api.get(f"/api/v1/invoices/{invoices['mercy']}/payments", tokens["west"])
    assert status == 404
    status, overdue = api.get("/api/v1/payments/overdue", tokens["west"])
    assert overdue["invoices"] == []
    status, problem = take(api, tokens["east"], invoices["mercy"])
    assert status == 403 and "payments.manage" in problem["detail"]
    status, gateways = api.get("/api/v1/payments/gateways", tokens["east"])
    assert gateways["gateways"] == ["authorize_net", "paypal"]


def test_a_limited_caller_with_the_permission_meets_other_teams_invoices_as_unknown(app, invoices):
    command = commands.ReceivePayment(
        invoices["city"], "cheque", groups=frozenset({_group_id(app, "EAST-SMB")})
    )
    with pytest.raises(Exception, match="no invoice") as refused:
        app.bus.execute(command, STAFF)
    assert type(refused.value).__name__ == "NotFound"
    with pytest.raises(PaymentRefused):
        app.bus.execute(
            commands.ReceivePayment(invoices["city"], "cheque", Decimal("250.01")), STAFF
        )


def test_payments_and_their_events_are_never_deleted(app, api, tokens, invoices, database_url):
    take(api, tokens["accounting"], invoices["mercy"], amount="10.00")
    with app.uow_factory(STAFF) as uow:
        payment = uow.payments.get("PAY0000001")
        uow.session.delete(payment)
        with pytest.raises(DeletionRefused):
            uow.session.flush()
    for table in (tables.payment_events, tables.payments):
        with pytest.raises(Exception, match=r"never deleted|archived"), app.engine.begin() as c:
            c.execute(delete(table))
    assert (count(app, tables.payments), count(app, tables.payment_events)) == (1, 2)


def test_the_payment_number_counter_has_no_gaps_across_outcomes(
    api, tokens, invoices, authorize_net
):
    token = tokens["accounting"]
    take(api, token, invoices["mercy"], amount="1.00", token="decline-1")
    authorize_net.fail_next("500")
    take(api, token, invoices["mercy"], amount="1.00")
    take(api, token, invoices["mercy"], amount="600.00")  # refused: no number drawn
    take(api, token, invoices["mercy"], amount="1.00")
    listing = api.get("/api/v1/payments", token)[1]
    assert [(p["number"], p["state"]) for p in listing["payments"]] == [
        ("PAY0000003", "captured"),
        ("PAY0000002", "failed"),
        ("PAY0000001", "declined"),
    ]
    page = api.get("/api/v1/payments?limit=1&after=PAY0000003", token)[1]
    assert [p["number"] for p in page["payments"]] == ["PAY0000002"]
    today = datetime.now(UTC).date().isoformat()
    bounded = api.get(f"/api/v1/payments?since={today}&until={today}", token)[1]
    assert len(bounded["payments"]) == 3
    assert api.get("/api/v1/payments?state=paid", token)[0] == 400


def _group_id(app, code: str) -> int:
    with app.engine.connect() as connection:
        groups = tables.customer_groups.c
        return connection.execute(select(groups.id).where(groups.code == code)).scalar_one()


def test_a_plug_in_gateway_takes_payments_like_a_built_in_one(
    app, api, tokens, invoices, tmp_path, monkeypatch
):
    from tests.integration.test_payment_gateways import install_plugin

    install_plugin(tmp_path, monkeypatch)
    monkeypatch.setenv("ORDERB2B_ACME_MERCHANT", "M-77")  # also a new configuration to load
    status, gateways = api.get("/api/v1/payments/gateways", tokens["accounting"])
    assert gateways["gateways"] == ["acme_pay", "authorize_net", "paypal"]
    status, payment = take(api, tokens["accounting"], invoices["city"], gateway="acme_pay")
    assert status == 201 and (payment["state"], payment["transaction_id"]) == (
        "captured",
        f"ACME-{payment['number']}",
    )
    assert (payment["card_brand"], payment["card_last4"], payment["method"]) == (
        "Acme",
        "0005",
        "acme_pay",
    )
    assert events(payment)[-1] == ("sale", "approved", "pending", "captured")


def test_what_is_being_asked_is_held_against_a_second_request(app, invoices):
    """While a gateway is being asked, the payment holds its amount of the invoice and
    refuses a second change: a second request never reaches a gateway."""
    refused = []

    class Reentrant:
        name = "reentrant"
        asked = 0

        def execute(self, request):
            self.asked += 1
            if request.action == "sale":
                again = commands.TakePayment(invoices["mercy"], "reentrant", "sale")
                refused.append(_refusal(lambda: pay(app.bus.execute, gateways, again, STAFF)))
            else:
                again = commands.ChangePayment(request.reference, "refund", Decimal("1.00"))
                refused.append(_refusal(lambda: change(app.bus.execute, gateways, again, STAFF)))
            return PaymentResult("approved", "R-1", request.amount, request.currency)

    gateways = {"reentrant": Reentrant()}
    whole = commands.TakePayment(invoices["mercy"], "reentrant", "sale")
    taken = pay(app.bus.execute, gateways, whole, STAFF)
    refund = commands.ChangePayment(taken.number, "refund", Decimal("6.40"))
    assert change(app.bus.execute, gateways, refund, STAFF).state == "partially_refunded"
    assert refused == [
        f"invoice {invoices['mercy']} has nothing left to pay",
        f"payment {taken.number} is waiting for the answer to a refund",
    ]
    assert gateways["reentrant"].asked == 2
    assert count(app, tables.payments) == 1


def _refusal(attempt) -> str:
    try:
        attempt()
    except PaymentRefused as error:
        return str(error)
    return "not refused"
