"""The payment gateway adapters against local servers speaking Authorize.net's JSON
API and PayPal's REST APIs: the documents they send, how each answer reads, and each
failure (timeout, HTTP 500, an unreadable answer, refused credentials, no server) as
a ServiceFailed; and plug-in gateways found through their entry point."""

from __future__ import annotations

import json
import socket
import sys
import textwrap
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapters.payments import ENTRY_POINT_GROUP, AuthorizeNet, PayPal, load_gateways
from adapters.payments.authorize_net import read_answer
from core.canonical import PaymentRequest, PaymentResult
from core.errors import ServiceFailed
from tests.payment_servers import FIXTURES, AuthorizeNetServer, PayPalServer, fixture

TIMEOUT = 0.3
AUTHORIZE_NET_ANSWERS = sorted(
    path.name.removesuffix(".expected.json")
    for path in (FIXTURES / "authorize_net").glob("*.expected.json")
)


def request(action: str, amount: str = "100.00", **values) -> PaymentRequest:
    return PaymentRequest(
        action, Decimal(amount), "USD", values.pop("reference", "PAY0000001"), **values
    )


@pytest.fixture
def authorize_net():
    with AuthorizeNetServer(delay=1.0) as server:
        yield (
            server,
            AuthorizeNet(server.url, server.login_id, server.transaction_key, timeout=TIMEOUT),
        )


@pytest.fixture
def paypal():
    with PayPalServer(delay=1.0) as server:
        yield server, PayPal(server.base_url, server.client_id, server.secret, timeout=TIMEOUT)


# ------------------------------------------------------------------ Authorize.net


@pytest.mark.parametrize("name", AUTHORIZE_NET_ANSWERS)
def test_each_documented_authorize_net_answer_reads_as_expected(name):
    raw = (FIXTURES / "authorize_net" / f"{name}.json").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the API's answers begin with a byte order mark"
    expected = fixture(f"authorize_net/{name}.expected.json")
    if "failed" in expected:
        with pytest.raises(ServiceFailed) as failed:
            read_answer(raw, request("sale"))
        assert (failed.value.kind, str(failed.value)) == (expected["failed"], expected["message"])
        return
    result = read_answer(raw, request("sale", "12.50"))
    assert {key: getattr(result, key) for key in expected} == expected
    assert (result.amount, result.currency) == (Decimal("12.50"), "USD")
    assert result.raw == raw.decode("utf-8-sig") and "\ufeff" not in result.raw
    # The same answer without its byte order mark reads the same.
    assert read_answer(raw[3:], request("sale", "12.50")) == result


@pytest.mark.parametrize(
    ("name", "payment_request"),
    [
        (
            "sale_request",
            request(
                "sale",
                "1493.87",
                token=fixture("authorize_net/sale_request.json")["createTransactionRequest"][
                    "transactionRequest"
                ]["payment"]["opaqueData"]["dataValue"],
                description="Invoice INV0000001",
            ),
        ),
        (
            "profile_authorise_request",
            request(
                "authorise",
                "250",
                reference="PAY0000002",
                token="40338125/1000177237",
                token_kind="profile",
                description="Invoice INV0000002",
            ),
        ),
        (
            "capture_request",
            request("capture", "200", reference="PAY0000002", transaction_id="60000000002"),
        ),
        ("void_request", request("void", reference="PAY0000002", transaction_id="60000000002")),
        ("refund_request", request("refund", transaction_id="60000000001", card_last4="1111")),
    ],
)
def test_requests_are_the_documented_documents_in_the_schemas_order(name, payment_request):
    gateway = AuthorizeNet("http://127.0.0.1:9/", "test-login", "test-key")
    sent = json.dumps(gateway.document(payment_request), indent=2)
    expected = json.dumps(fixture(f"authorize_net/{name}.json"), indent=2)
    assert sent == expected  # key order included: the API checks it against its schema


def test_authorise_capture_refund_and_void_against_the_gateway(authorize_net):
    server, gateway = authorize_net
    authorised = gateway.execute(request("authorise", token="tok-visa"))
    assert (authorised.outcome, authorised.card_brand, authorised.card_last4) == (
        "approved",
        "Visa",
        "1111",
    )
    assert authorised.authorization_code and authorised.transaction_id
    sent = server.requests[-1]["createTransactionRequest"]
    assert sent["refId"] == "PAY0000001"
    assert sent["transactionRequest"]["transactionType"] == "authOnlyTransaction"

    too_much = gateway.execute(
        request("capture", "100.01", transaction_id=authorised.transaction_id)
    )
    assert (too_much.outcome, too_much.code) == ("error", "47")
    captured = gateway.execute(
        request("capture", "80.00", transaction_id=authorised.transaction_id)
    )
    assert captured.outcome == "approved"
    wrong_card = gateway.execute(
        request("refund", "10", transaction_id=authorised.transaction_id, card_last4="4444")
    )
    assert (wrong_card.outcome, wrong_card.code) == ("error", "54")
    refund = gateway.execute(
        request("refund", "30", transaction_id=authorised.transaction_id, card_last4="1111")
    )
    assert refund.outcome == "approved" and refund.transaction_id != authorised.transaction_id
    over = gateway.execute(
        request("refund", "50.01", transaction_id=authorised.transaction_id, card_last4="1111")
    )
    assert (over.outcome, over.code) == ("error", "55")

    other = gateway.execute(request("authorise", token="mastercard-2"))
    assert (other.card_brand, other.card_last4) == ("MasterCard", "4444")
    voided = gateway.execute(request("void", transaction_id=other.transaction_id))
    assert voided.outcome == "approved"
    again = gateway.execute(request("void", transaction_id=other.transaction_id))
    assert (again.outcome, again.code) == ("error", "16")


@pytest.mark.parametrize(
    ("token", "outcome", "code"),
    [("decline-1", "declined", "2"), ("review-1", "pending", "252"), ("invalid-1", "error", "6")],
)
def test_declines_holds_and_card_errors_are_results_not_failures(
    authorize_net, token, outcome, code
):
    _, gateway = authorize_net
    result = gateway.execute(request("sale", token=token))
    assert (result.outcome, result.code) == (outcome, code)
    assert result.message


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        ("slow", "timeout"),
        ("500", "server_error"),
        ("malformed", "malformed"),
        ("truncated", "malformed"),
    ],
)
def test_each_authorize_net_failure_is_a_service_failure(authorize_net, mode, kind):
    server, gateway = authorize_net
    server.fail_next(mode)
    with pytest.raises(ServiceFailed) as failed:
        gateway.execute(request("sale", token="tok"))
    assert failed.value.kind == kind and failed.value.service == "authorize_net"
    assert "\n" not in str(failed.value)
    assert gateway.execute(request("sale", token="tok")).outcome == "approved"  # and it recovers


def test_wrong_credentials_and_no_server_are_service_failures(authorize_net):
    server, _ = authorize_net
    wrong = AuthorizeNet(server.url, server.login_id, "not-the-key", timeout=TIMEOUT)
    with pytest.raises(ServiceFailed, match="E00007") as failed:
        wrong.execute(request("sale", token="tok"))
    assert failed.value.kind == "refused"
    with pytest.raises(ServiceFailed) as failed:
        AuthorizeNet(f"http://127.0.0.1:{_closed_port()}/", "a", "b", timeout=TIMEOUT).execute(
            request("sale", token="tok")
        )
    assert failed.value.kind == "unreachable"


# ------------------------------------------------------------------ PayPal


def test_an_order_is_created_approved_captured_and_refunded(paypal):
    server, gateway = paypal
    created = gateway.execute(
        request("sale", "1493.87", reference="PAY0000006", description="Invoice INV0000001")
    )
    assert server.requests[0] == {"grant_type": ["client_credentials"]}
    assert server.requests[1] == fixture("paypal/create_order_request.json")
    assert created.outcome == "pending" and created.transaction_id in server.orders
    assert created.approval_url == (
        f"https://www.sandbox.paypal.com/checkoutnow?token={created.transaction_id}"
    )

    early = gateway.execute(request("capture", "1493.87", transaction_id=created.transaction_id))
    assert (early.outcome, early.code) == ("pending", "ORDER_NOT_APPROVED")
    server.approve(created.transaction_id)
    captured = gateway.execute(request("capture", "1493.87", transaction_id=created.transaction_id))
    assert (captured.outcome, captured.amount) == ("approved", Decimal("1493.87"))
    assert captured.transaction_id in server.captures
    twice = gateway.execute(request("capture", "1493.87", transaction_id=created.transaction_id))
    assert (twice.outcome, twice.code) == ("error", "ORDER_ALREADY_CAPTURED")

    refund = gateway.execute(
        request("refund", "100", transaction_id=captured.transaction_id, description="Damaged box")
    )
    assert (refund.outcome, refund.amount) == ("approved", Decimal("100.00"))
    assert server.requests[-1] == {
        "amount": {"currency_code": "USD", "value": "100.00"},
        "note_to_payer": "Damaged box",
    }
    over = gateway.execute(request("refund", "1393.88", transaction_id=captured.transaction_id))
    assert (over.outcome, over.code) == ("error", "REFUND_AMOUNT_EXCEEDED")
    assert server.token_requests == 1, "the access token is reused until it expires"


def test_a_declined_instrument_is_a_declined_result(paypal):
    server, gateway = paypal
    created = gateway.execute(request("sale", "250.02"))
    server.approve(created.transaction_id)
    declined = gateway.execute(request("capture", "250.02", transaction_id=created.transaction_id))
    assert (declined.outcome, declined.code) == ("declined", "INSTRUMENT_DECLINED")
    assert declined.approval_url.startswith("https://www.sandbox.paypal.com/checkoutnow")


def test_an_expired_token_is_renewed_once_with_the_same_request_id(paypal):
    server, gateway = paypal
    gateway.execute(request("sale"))
    server.expire_tokens()
    gateway.execute(request("sale", reference="PAY0000002"))
    assert server.token_requests == 2
    # Every call carries its own PayPal-Request-Id; a repeated one changes nothing.
    assert server.repeats == 0 and len(server.orders) == 2


def test_a_void_asks_nothing_of_paypal(paypal):
    server, gateway = paypal
    voided = gateway.execute(request("void", transaction_id="5O190127TN364715T"))
    assert voided.outcome == "approved" and "expire" in voided.message
    assert server.count == 0


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        ("slow", "timeout"),
        ("500", "server_error"),
        ("malformed", "malformed"),
        ("truncated", "malformed"),
    ],
)
def test_each_paypal_failure_is_a_service_failure(paypal, mode, kind):
    server, gateway = paypal
    gateway.execute(request("sale"))  # a token in hand: the failure hits the order call
    server.fail_next(mode)
    with pytest.raises(ServiceFailed) as failed:
        gateway.execute(request("sale", reference="PAY0000002"))
    assert failed.value.kind == kind and failed.value.service == "paypal"


def test_refused_client_credentials_are_a_service_failure(paypal):
    server, _ = paypal
    wrong = PayPal(server.base_url, server.client_id, "wrong", timeout=TIMEOUT)
    with pytest.raises(ServiceFailed, match="client credentials refused") as failed:
        wrong.execute(request("sale"))
    assert failed.value.kind == "refused"


@pytest.mark.parametrize("name", ["capture_declined", "capture_not_approved", "refund_exceeded"])
def test_each_documented_paypal_refusal_reads_as_expected(name):
    expected = fixture(f"paypal/{name}.expected.json")
    with _ScriptedPayPal(
        expected["status"], (FIXTURES / "paypal" / f"{name}.json").read_bytes()
    ) as url:
        result = PayPal(url, "id", "secret", timeout=TIMEOUT).execute(
            request("capture", transaction_id="5O190127TN364715T")
        )
    assert {key: getattr(result, key) for key in expected if key != "status"} == {
        key: value for key, value in expected.items() if key != "status"
    }


@pytest.mark.parametrize("name", ["order_created", "capture_completed", "refund_completed"])
def test_each_documented_paypal_answer_reads_as_expected(name):
    expected = fixture(f"paypal/{name}.expected.json")
    action = {
        "order_created": "sale",
        "capture_completed": "capture",
        "refund_completed": "refund",
    }[name]
    with _ScriptedPayPal(201, (FIXTURES / "paypal" / f"{name}.json").read_bytes()) as url:
        result = PayPal(url, "id", "secret", timeout=TIMEOUT).execute(
            request(action, "1.00", transaction_id="5O190127TN364715T")
        )
    if "amount" in expected:  # a capture or refund says how much; an order is as asked
        expected["amount"] = Decimal(expected["amount"])
    assert {key: getattr(result, key) for key in expected} == expected


# ------------------------------------------------------------------ loading gateways


def test_built_in_gateways_come_from_the_settings():
    assert not {"authorize_net", "paypal"} & set(load_gateways({}))
    settings = {
        "ORDERB2B_AUTHORIZENET_LOGIN_ID": "login",
        "ORDERB2B_AUTHORIZENET_TRANSACTION_KEY": "key",
        "ORDERB2B_PAYPAL_CLIENT_ID": "client",
        "ORDERB2B_PAYPAL_SECRET": "secret",
        "ORDERB2B_PAYMENT_TIMEOUT": "7",
    }
    gateways = load_gateways(settings)
    assert isinstance(gateways["authorize_net"], AuthorizeNet)
    assert gateways["authorize_net"].url == "https://apitest.authorize.net/xml/v1/request.api"
    assert isinstance(gateways["paypal"], PayPal) and gateways["paypal"].timeout == 7.0
    only_login = {"ORDERB2B_AUTHORIZENET_LOGIN_ID": "login"}
    assert "authorize_net" not in load_gateways(only_login)


PLUGIN = '''
from core.canonical import PaymentResult


class AcmePay:
    """Approves everything; remembers what it was asked."""

    name = "acme_pay"
    asked = []

    def __init__(self, settings):
        self.merchant = settings.get("ORDERB2B_ACME_MERCHANT")

    def execute(self, request):
        self.asked.append(request)
        return PaymentResult("approved", "ACME-" + request.reference, request.amount,
                             request.currency, message="paid at Acme", card_brand="Acme",
                             card_last4="0005")


def broken(settings):
    raise RuntimeError("cannot start")


class Nameless:
    def __init__(self, settings):
        pass


class Impostor(AcmePay):
    name = "authorize_net"
'''


def install_plugin(path, monkeypatch) -> None:
    """A real distribution on sys.path: a module and its .dist-info with entry points."""
    (path / "acme_pay_gateway.py").write_text(textwrap.dedent(PLUGIN))
    info = path / "acme_pay_gateway-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-pay-gateway\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n"
        "acme = acme_pay_gateway:AcmePay\n"
        "broken = acme_pay_gateway:broken\n"
        "nameless = acme_pay_gateway:Nameless\n"
        "impostor = acme_pay_gateway:Impostor\n"
    )
    monkeypatch.syspath_prepend(str(path))
    monkeypatch.delitem(sys.modules, "acme_pay_gateway", raising=False)


def test_a_plug_in_gateway_is_found_through_its_entry_point(tmp_path, monkeypatch, caplog):
    install_plugin(tmp_path, monkeypatch)
    settings = {
        "ORDERB2B_ACME_MERCHANT": "M-77",
        "ORDERB2B_AUTHORIZENET_LOGIN_ID": "login",
        "ORDERB2B_AUTHORIZENET_TRANSACTION_KEY": "key",
    }
    gateways = load_gateways(settings)
    assert set(gateways) == {"acme_pay", "authorize_net"}
    assert isinstance(gateways["authorize_net"], AuthorizeNet), (
        "a plug-in cannot take a built-in's name"
    )
    acme = gateways["acme_pay"]
    assert acme.merchant == "M-77"
    result = acme.execute(request("sale"))
    assert isinstance(result, PaymentResult) and result.transaction_id == "ACME-PAY0000001"
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert (
        "failed to load" in logged and "no name or execute" in logged and "already taken" in logged
    )


# ------------------------------------------------------------------ helpers


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _ScriptedPayPal:
    """Gives a token, then answers every other call with one fixed document."""

    def __init__(self, status: int, body: bytes) -> None:
        token = (FIXTURES / "paypal" / "token.json").read_bytes()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                code, answer = (200, token) if self.path == "/v1/oauth2/token" else (status, body)
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def __enter__(self) -> str:
        serve = self.server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc_info) -> None:
        self.server.shutdown()
        self.server.server_close()
