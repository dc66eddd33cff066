"""What a supplier's email says about one of our purchase orders: tracking numbers
(a shipment) or a confirmation. Patterns per supplier live in its service settings
under "email" (all optional):

    {"domains": ["acme-supply.com"], "carrier": "UPS",
     "tracking": "regex with one group", "confirmation": "regex",
     "supplier_order": "regex with one group"}

Without them the built-in patterns below are used, and the supplier's domains are
those of its email address."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core.canonical import ReceivedConfirmation, ReceivedShipmentLine, ReceivedShipNotice

TRACKING = (
    r"(?i)\btracking(?:\s+(?:number|no\.?|#|id))?s?\s*(?:is|:|#)?\s*([A-Z0-9]{8,34})\b"
    r"|\b(1Z[0-9A-Z]{16})\b"
)
CONFIRMATION = (
    r"(?i)\b(?:order\s+(?:is\s+|has\s+been\s+)?(?:confirmed|accepted|acknowledged)"
    r"|(?:confirm|acknowledg)(?:ing|e|ement|ation)\s+(?:of\s+)?(?:your\s+)?"
    r"(?:purchase\s+)?order)\b"
)
SUPPLIER_ORDER = r"(?i)\b(?:our|sales)\s+order\s*(?:number|no\.?|#)?\s*[:#]?\s*([A-Z0-9-]{3,30})"
_CARRIERS = (
    (re.compile(r"1Z[0-9A-Z]{16}"), "UPS"),
    (re.compile(r"9[2-5]\d{18,24}"), "USPS"),
    (re.compile(r"\d{12}|\d{15}|\d{20}"), "FedEx"),
)


@dataclass(frozen=True)
class SupplierPatterns:
    domains: tuple[str, ...]
    tracking: re.Pattern[str]
    confirmation: re.Pattern[str]
    supplier_order: re.Pattern[str]
    carrier: str | None

    @classmethod
    def of(cls, supplier: dict[str, Any]) -> SupplierPatterns:
        """The supplier's patterns; a pattern that does not compile is a ValueError."""
        own = (supplier.get("service_settings") or {}).get("email") or {}
        domains = own.get("domains") or []
        if not domains and supplier.get("email"):
            domains = [supplier["email"].rsplit("@", 1)[-1]]
        return cls(
            tuple(d.lower() for d in domains),
            _compiled(own.get("tracking") or TRACKING, "tracking"),
            _compiled(own.get("confirmation") or CONFIRMATION, "confirmation"),
            _compiled(own.get("supplier_order") or SUPPLIER_ORDER, "supplier_order"),
            own.get("carrier"),
        )

    def sent_by(self, domain: str | None) -> bool:
        return bool(domain) and any(domain == d or domain.endswith("." + d) for d in self.domains)

    def tracking_numbers(self, text: str) -> list[str]:
        found = []
        for match in self.tracking.finditer(text):
            number = next((g for g in match.groups() if g), match.group()).upper()
            if any(c.isdigit() for c in number) and number not in found:
                found.append(number)
        return found

    def carrier_of(self, tracking_number: str) -> str:
        for pattern, carrier in _CARRIERS:
            if pattern.fullmatch(tracking_number):
                return self.carrier or carrier
        return self.carrier or "unknown carrier"


def _compiled(pattern: str, name: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"the supplier's {name} pattern does not compile: {error}") from None


def ship_notice(
    po: dict[str, Any], partner: str, trackings: list[str], patterns: SupplierPatterns, note: str
) -> ReceivedShipNotice | None:
    """Everything still open on the PO, shipped under the first tracking number."""
    lines = tuple(
        ReceivedShipmentLine(line["line_number"], remaining, line.get("unit_of_measure") or "EA")
        for line in po["lines"]
        if line["status"] == "open"
        and (remaining := Decimal(line["quantity"]) - Decimal(line["shipped_quantity"])) > 0
    )
    if not lines or not trackings:
        return None
    first = trackings[0]
    return ReceivedShipNotice(
        channel="email",
        partner=partner,
        po_number=po["number"],
        shipment_id=f"email:{first}"[:100],
        carrier=patterns.carrier_of(first),
        tracking_number=first,
        lines=lines,
        packages=len(trackings),
        comments=note[:2000] or None,
    )


def confirmation(
    po: dict[str, Any], partner: str, text: str, patterns: SupplierPatterns, message_id: str
) -> ReceivedConfirmation | None:
    if not patterns.confirmation.search(text):
        return None
    found = patterns.supplier_order.search(text)
    supplier_order = next((g for g in found.groups() if g), None) if found else None
    return ReceivedConfirmation(
        channel="email",
        partner=partner,
        po_number=po["number"],
        confirmation_id=f"email:{message_id}"[:100],
        status="accept",
        supplier_order_number=supplier_order,
        comments=text[:2000] or None,
    )
