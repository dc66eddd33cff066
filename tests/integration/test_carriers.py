"""Carrier rates: the FedEx client against a local server speaking FedEx's OAuth and
Rates and Transit Times formats (tests/fedex_server.py), and table rates by our
shipping ranges. No database is needed."""

from __future__ import annotations

import json
import socket
import time
from datetime import date
from decimal import Decimal

import pytest

from adapters.carriers import FedExRates, TableRange, TableRates, ranges_from_stored
from core.canonical import Address, Parcel, RateQuote, RateRequest
from core.errors import ServiceFailed
from core.model import shipping_rates
from tests.fedex_server import ACCOUNT_NUMBER, CLIENT_ID, CLIENT_SECRET, FILES, FedExServer

SHIP_FROM = Address(
    name="Order B2B Warehouse",
    street=("1200 Commerce Drive", "Dock 3"),
    city="Memphis",
    state="TN",
    postal_code="38118",
    country="US",
)
SHIP_TO = Address(
    name="Defense Logistics Agency",
    street=("8725 John J Kingman Road",),
    city="Fort Belvoir",
    state="VA",
    postal_code="22060",
    country="US",
)
PARCELS = (
    Parcel(Decimal("12.5"), "LB", Decimal(12), Decimal(10), Decimal(8)),
    Parcel(Decimal("4.75"), "LB", Decimal("10.5"), Decimal(8), Decimal(6)),
)
REQUEST = RateRequest(SHIP_FROM, SHIP_TO, PARCELS, ship_date=date(2025, 3, 12))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fedex():
    with FedExServer() as server:
        yield server


def client(server: FedExServer, **options) -> FedExRates:
    options.setdefault("timeout", 2.0)
    return FedExRates(server.url, CLIENT_ID, CLIENT_SECRET, ACCOUNT_NUMBER, **options)


def expected_quotes() -> list[RateQuote]:
    rows = json.loads((FILES / "rate_quotes.expected.json").read_text())
    return [
        RateQuote(
            **row
            | {
                "amount": Decimal(row["amount"]),
                "delivery_date": row["delivery_date"] and date.fromisoformat(row["delivery_date"]),
            }
        )
        for row in rows
    ]


# FedEx: quotes and the request


def test_quotes_are_decoded_exactly_cheapest_first(fedex):
    quotes = client(fedex).rates(REQUEST)

    assert quotes == expected_quotes()
    assert all(isinstance(quote.amount, Decimal) for quote in quotes)
    assert [str(quote.amount) for quote in quotes[:2]] == ["18.42", "33"]


def test_the_account_rate_is_preferred_and_the_list_rate_is_the_fallback(fedex):
    by_service = {quote.service: quote.amount for quote in client(fedex).rates(REQUEST)}

    assert by_service["FEDEX_2_DAY"] == Decimal("41.16")  # ACCOUNT, given after LIST
    assert by_service["FEDEX_GROUND"] == Decimal("18.42")  # not the LIST 24.87
    assert by_service["PRIORITY_OVERNIGHT"] == Decimal("131.90")  # only a LIST rate


def test_the_request_is_the_documented_rate_request(fedex):
    client(fedex).rates(REQUEST)

    expected = json.loads((FILES / "rate_request.json").read_text(), parse_float=Decimal)
    assert fedex.rate_requests == [expected]
    headers = fedex.rate_headers[0]
    assert headers["authorization"].startswith("Bearer eyJ")
    assert headers["content-type"] == "application/json"


def test_one_service_only(fedex):
    request = RateRequest(
        SHIP_FROM, SHIP_TO, PARCELS, ship_date=date(2025, 3, 12), service="FEDEX_2_DAY"
    )

    quotes = client(fedex).rates(request)

    assert fedex.rate_requests[0]["requestedShipment"]["serviceType"] == "FEDEX_2_DAY"
    assert quotes == [q for q in expected_quotes() if q.service == "FEDEX_2_DAY"]


def test_without_a_ship_date_today_is_asked(fedex):
    request = RateRequest(SHIP_FROM, SHIP_TO, PARCELS)

    client(fedex, today=lambda: date(2025, 4, 1)).rates(request)

    assert fedex.rate_requests[0]["requestedShipment"]["shipDateStamp"] == "2025-04-01"


# FedEx: the token


def test_the_token_is_kept_across_calls(fedex):
    rates = client(fedex)

    rates.rates(REQUEST)
    rates.rates(REQUEST)
    rates.rates(REQUEST)

    assert fedex.token_requests == 1
    assert len(fedex.rate_requests) == 3
    assert len({headers["authorization"] for headers in fedex.rate_headers}) == 1


def test_a_new_token_is_fetched_shortly_before_the_old_one_expires(fedex):
    clock = Clock()
    rates = client(fedex, clock=clock)
    rates.rates(REQUEST)

    clock.now += 3599 - 61  # still more than a minute left
    rates.rates(REQUEST)
    assert fedex.token_requests == 1

    clock.now += 2  # less than a minute left
    rates.rates(REQUEST)
    assert fedex.token_requests == 2
    first, _, third = (headers["authorization"] for headers in fedex.rate_headers)
    assert first != third


def test_an_expired_token_is_fetched_again_once_after_a_401(fedex):
    rates = client(fedex)
    rates.rates(REQUEST)
    fedex.expire_tokens()

    quotes = rates.rates(REQUEST)

    assert quotes == expected_quotes()
    assert fedex.token_requests == 2
    assert len(fedex.rate_requests) == 3  # the refused one, then the retry
    assert fedex.rate_headers[1]["authorization"] != fedex.rate_headers[2]["authorization"]


def test_a_token_refused_again_after_the_new_one_fails(fedex):
    fedex.failure = "unauthorized"

    with pytest.raises(ServiceFailed) as failed:
        client(fedex).rates(REQUEST)

    assert failed.value.kind == "refused"
    assert "HTTP 401" in str(failed.value) and "NOT.AUTHORIZED.ERROR" in str(failed.value)
    assert fedex.token_requests == 2 and len(fedex.rate_requests) == 2


def test_bad_credentials_are_refused_before_any_rate_request(fedex):
    rates = FedExRates(fedex.url, CLIENT_ID, "not-the-secret", ACCOUNT_NUMBER, timeout=2.0)

    with pytest.raises(ServiceFailed) as failed:
        rates.rates(REQUEST)

    assert failed.value.service == "FedEx" and failed.value.kind == "refused"
    assert str(failed.value) == (
        "FedEx: token refused with HTTP 401: NOT.AUTHORIZED.ERROR: The given client "
        "credentials were not valid. Please modify your request and try again."
    )
    assert fedex.rate_requests == []


# FedEx: failures


def test_a_slow_answer_is_a_timeout(fedex):
    rates = client(fedex, timeout=0.3)
    rates.rates(REQUEST)  # the token is fetched while the server is quick
    fedex.failure = "slow"

    started = time.monotonic()
    with pytest.raises(ServiceFailed) as failed:
        rates.rates(REQUEST)

    assert failed.value.kind == "timeout"
    assert time.monotonic() - started < 1.5


def test_a_server_error_names_fedex_code_and_message(fedex):
    fedex.failure = "server_error"

    with pytest.raises(ServiceFailed) as failed:
        client(fedex).rates(REQUEST)

    assert failed.value.kind == "server_error"
    assert "HTTP 500: INTERNAL.SERVER.ERROR: We encountered an unexpected error" in str(
        failed.value
    )
    assert "\n" not in str(failed.value)


def test_a_malformed_answer(fedex):
    fedex.failure = "malformed"

    with pytest.raises(ServiceFailed) as failed:
        client(fedex).rates(REQUEST)

    assert failed.value.kind == "malformed"
    assert "not JSON" in str(failed.value)


def test_an_answer_without_rate_details_is_malformed():
    with (
        FedExServer(answer_file="no_rate_details.json") as fedex,
        pytest.raises(ServiceFailed) as failed,
    ):
        client(fedex).rates(REQUEST)

    assert failed.value.kind == "malformed"
    assert "rateReplyDetails" in str(failed.value)


def test_a_missing_required_field_is_refused_with_fedex_error(fedex):
    nowhere = Address(name="Somewhere", city="Fort Belvoir", state="VA", country="US")
    request = RateRequest(SHIP_FROM, nowhere, PARCELS, ship_date=date(2025, 3, 12))

    with pytest.raises(ServiceFailed) as failed:
        client(fedex).rates(request)

    assert failed.value.kind == "refused"
    assert "HTTP 400: INVALID.INPUT.EXCEPTION" in str(failed.value)
    assert "requestedShipment.recipient.address.postalCode" in str(failed.value)


def test_an_unreachable_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    rates = FedExRates(f"http://127.0.0.1:{port}", CLIENT_ID, CLIENT_SECRET, ACCOUNT_NUMBER)

    with pytest.raises(ServiceFailed) as failed:
        rates.rates(REQUEST)

    assert failed.value.kind == "unreachable"


def test_secrets_stay_out_of_the_repr(fedex):
    assert CLIENT_SECRET not in repr(client(fedex))


# Table rates

TABLE = (
    TableRange("Ground", "value", Decimal(0), Decimal(100), Decimal("12.00")),
    TableRange("Ground", "value", Decimal(100), Decimal(500), Decimal("8.00")),
    TableRange("Ground", "value", Decimal(500), None, Decimal("0.00")),
    TableRange("Two day", "weight", Decimal(0), Decimal(10), Decimal("25.00")),
    TableRange("Two day", "weight", Decimal(10), Decimal(50), Decimal("45.00")),
    TableRange("Two day", "weight", Decimal(0), None, Decimal("60.00"), country="CA"),
)


def table_request(value=None, *parcels: Parcel, country="US", service=None, currency="USD"):
    to = Address(name="Buyer", postal_code="22060", country=country)
    parcels = parcels or (Parcel(Decimal(1)),)
    return RateRequest(
        SHIP_FROM, to, parcels, currency=currency, order_value=value, service=service
    )


def prices(request: RateRequest, table=TABLE) -> dict[str, Decimal]:
    return {quote.service: quote.amount for quote in TableRates(table).rates(request)}


@pytest.mark.parametrize(
    ("value", "price"),
    [
        (Decimal("0"), Decimal("12.00")),
        (Decimal("99.99"), Decimal("12.00")),
        (Decimal("100"), Decimal("8.00")),  # a minimum is inclusive, a maximum exclusive
        (Decimal("499.99"), Decimal("8.00")),
        (Decimal("500"), Decimal("0.00")),
        (Decimal("100000"), Decimal("0.00")),  # no maximum: no upper bound
    ],
)
def test_table_rates_by_order_value_at_the_boundaries(value, price):
    assert prices(table_request(value))["Ground"] == price


def test_table_rates_by_weight_add_the_parcels_in_pounds():
    under = table_request(None, Parcel(Decimal("4")), Parcel(Decimal("5.99")))
    at = table_request(None, Parcel(Decimal("4")), Parcel(Decimal("6")))
    # 4.5359 kg is 9.99997 lb; 4.5360 kg is 10.00016 lb
    kilos_under = table_request(None, Parcel(Decimal("4.5359"), "KG"))
    kilos_at = table_request(None, Parcel(Decimal("4.5360"), "KG"))

    assert prices(under) == {"Two day": Decimal("25.00")}  # no order value: no Ground
    assert prices(at) == {"Two day": Decimal("45.00")}
    assert prices(kilos_under)["Two day"] == Decimal("25.00")
    assert prices(kilos_at)["Two day"] == Decimal("45.00")


def test_table_rates_come_cheapest_first_as_table_quotes():
    quotes = TableRates(TABLE).rates(table_request(Decimal(50), Parcel(Decimal(12))))

    assert quotes == [
        RateQuote("table", "Ground", "Ground", Decimal("12.00"), "USD"),
        RateQuote("table", "Two day", "Two day", Decimal("45.00"), "USD"),
    ]
    assert TableRates(TABLE).name == "table"


def test_table_ranges_for_the_country_win_over_those_for_every_country():
    assert prices(table_request(None, Parcel(Decimal(2)), country="CA"))["Two day"] == Decimal(
        "60.00"
    )
    assert prices(table_request(None, Parcel(Decimal(2)), country="us"))["Two day"] == Decimal(
        "25.00"
    )


def test_a_service_priced_by_value_and_weight_costs_the_higher():
    both = (
        TableRange("Freight", "value", Decimal(0), None, Decimal("30.00")),
        TableRange("Freight", "weight", Decimal(0), Decimal(100), Decimal("20.00")),
        TableRange("Freight", "weight", Decimal(100), None, Decimal("75.00")),
    )

    assert prices(table_request(Decimal(10), Parcel(Decimal(5))), both) == {
        "Freight": Decimal("30.00")
    }
    assert prices(table_request(Decimal(10), Parcel(Decimal(150))), both) == {
        "Freight": Decimal("75.00")
    }


def test_table_rates_for_one_service_or_currency_only():
    request = table_request(Decimal(50), Parcel(Decimal(12)), service="two DAY")

    assert prices(request) == {"Two day": Decimal("45.00")}
    assert prices(table_request(Decimal(50), currency="CAD")) == {}


def test_no_range_no_quote():
    assert prices(table_request(Decimal(50), service="Overnight")) == {}


def test_table_ranges_refuse_what_stored_ranges_refuse():
    with pytest.raises(ValueError):
        TableRange("Ground", "value", Decimal(10), Decimal(10), Decimal(1))
    with pytest.raises(ValueError):
        TableRange("Ground", "volume", Decimal(0), None, Decimal(1))


def test_stored_shipping_ranges_price_as_the_core_does():
    stored = [
        shipping_rates.ShippingRange("Ground", "order_value", Decimal(0), Decimal(100), Decimal(9)),
        shipping_rates.ShippingRange("Ground", "order_value", Decimal(100), None, Decimal(0)),
        shipping_rates.ShippingRange("Ground", "weight", Decimal(20), None, Decimal(15)),
        shipping_rates.ShippingRange(
            "Ground", "order_value", Decimal(0), None, Decimal(40), country="CA"
        ),
        shipping_rates.ShippingRange("Air", "weight", Decimal(0), None, Decimal(99), active=False),
    ]
    for range_id, row in enumerate(stored, start=1):
        row.id = range_id
    table = TableRates(ranges_from_stored(stored))
    cases = [
        (Decimal(50), Decimal(5), "US"),
        (Decimal(100), Decimal(5), "US"),
        (Decimal(100), Decimal(20), "US"),
        (Decimal("99.99"), Decimal(19), None),
        (Decimal(10), Decimal(30), "CA"),
    ]
    for value, weight, country in cases:
        request = table_request(value, Parcel(weight), country=country)
        core = shipping_rates.quote(stored, "Ground", value, weight, country)
        assert {q.service: q.amount for q in table.rates(request)} == {"Ground": core.price}
