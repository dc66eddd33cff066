"""What a supplier's email says: tracking numbers with their carrier, confirmation
wording, the supplier's own patterns, and a shipment of what is still open."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub.mailing.supplier_mail import SupplierPatterns, confirmation, ship_notice

SUPPLIER = {"code": "dh", "email": "po@dh.example.com", "service_settings": {}}
PO = {
    "number": "PO0000007",
    "lines": [
        {"line_number": 1, "status": "open", "quantity": "4", "shipped_quantity": "1",
         "unit_of_measure": "BX"},
        {"line_number": 2, "status": "open", "quantity": "2", "shipped_quantity": "2",
         "unit_of_measure": "EA"},
        {"line_number": 3, "status": "cancelled", "quantity": "5", "shipped_quantity": "0",
         "unit_of_measure": "EA"},
    ],
}  # fmt: skip


def test_the_suppliers_domain_is_that_of_its_address_subdomains_included():
    patterns = SupplierPatterns.of(SUPPLIER)
    assert patterns.sent_by("dh.example.com") and patterns.sent_by("mail.dh.example.com")
    assert not patterns.sent_by("evil-dh.example.com") and not patterns.sent_by(None)


@pytest.mark.parametrize(
    ("text", "numbers", "carrier"),
    [
        ("Tracking number: 1Z999AA10123456784", ["1Z999AA10123456784"], "UPS"),
        ("shipped via FedEx, tracking # 794612345678", ["794612345678"], "FedEx"),
        ("USPS tracking 9400111899223197428490", ["9400111899223197428490"], "USPS"),
        ("see 1Z999AA10123456784 and 1Z999AA10123456785", 2 * [None], "UPS"),
        ("Your order shipped today.", [], None),
    ],
)
def test_tracking_numbers_and_their_carriers(text, numbers, carrier):
    patterns = SupplierPatterns.of(SUPPLIER)
    found = patterns.tracking_numbers(text)
    assert len(found) == len(numbers)
    assert all(n is None or n == f for n, f in zip(numbers, found, strict=True))
    if found:
        assert patterns.carrier_of(found[0]) == carrier


def test_a_suppliers_own_patterns_and_carrier_win():
    own = {"email": {"tracking": r"AWB (\d{10})", "carrier": "DHL", "domains": ["dh.net"]}}
    patterns = SupplierPatterns.of({**SUPPLIER, "service_settings": own})
    assert patterns.tracking_numbers("AWB 1234567890 left") == ["1234567890"]
    assert patterns.carrier_of("1234567890") == "DHL"
    assert patterns.sent_by("dh.net") and not patterns.sent_by("dh.example.com")


def test_a_pattern_that_does_not_compile_is_named():
    broken = {"email": {"tracking": "(unclosed"}}
    with pytest.raises(ValueError, match="tracking pattern"):
        SupplierPatterns.of({**SUPPLIER, "service_settings": broken})


def test_the_notice_ships_what_is_still_open_under_the_first_number():
    patterns = SupplierPatterns.of(SUPPLIER)
    notice = ship_notice(PO, "supplier:dh", ["1Z999AA10123456784", "1Z2"], patterns, "Shipped")
    assert [(line.line_number, line.quantity, line.unit_of_measure) for line in notice.lines] == [
        (1, Decimal(3), "BX")
    ]
    assert (notice.tracking_number, notice.packages, notice.carrier) == (
        "1Z999AA10123456784",
        2,
        "UPS",
    )
    assert notice.shipment_id == "email:1Z999AA10123456784"
    assert ship_notice(PO, "supplier:dh", [], patterns, "") is None


def test_confirmation_wording_with_the_suppliers_order_number():
    patterns = SupplierPatterns.of(SUPPLIER)
    text = "Thank you. Your order is confirmed. Our order number: SO-55123."
    confirmed = confirmation(PO, "supplier:dh", text, patterns, "m-1@dh.example.com")
    assert (confirmed.status, confirmed.supplier_order_number) == ("accept", "SO-55123")
    assert confirmation(PO, "supplier:dh", "When will it ship?", patterns, "m-2") is None
