"""What suppliers send about our purchase orders, read per channel for the
normaliser: ship notices and confirmations; [] for any other document."""

from __future__ import annotations

from adapters.cxml.supplier_documents import document_kind, parse_confirmation, parse_ship_notices
from adapters.x12.supplier_documents import parse_855, parse_856

CXML_SUPPLIER_REQUESTS = ("ShipNoticeRequest", "ConfirmationRequest")


def read_cxml(raw: bytes, partner: str | None) -> list:
    if not any(f"<{request}".encode() in raw for request in CXML_SUPPLIER_REQUESTS):
        return []  # a buyer's order (the common case) is not parsed twice
    kind = document_kind(raw)
    if kind == "ShipNoticeRequest":
        return parse_ship_notices(raw, partner)
    if kind == "ConfirmationRequest":
        return [parse_confirmation(raw, partner)]
    return []


def read_x12(raw: bytes, partner: str | None) -> list:
    documents: list = []
    if _holds(raw, "856"):
        documents += parse_856(raw, partner)
    if _holds(raw, "855"):
        documents += parse_855(raw, partner)
    return documents


def _holds(raw: bytes, transaction_set: str) -> bool:
    """Whether the interchange has a transaction set of this kind (any separators)."""
    if len(raw) < 106:
        return False
    element = raw[3:4]
    return b"ST" + element + transaction_set.encode() + element in raw
