"""Printed documents: orders, pick lists, packing slips, invoices and return
authorizations (HTML, PDF)."""

from hub.printing.render import (
    MEDIA_TYPES,
    ORDER_KINDS,
    Printed,
    PrintRefused,
    print_invoice,
    print_order,
    print_packing_slip,
    print_rma,
)

__all__ = [
    "MEDIA_TYPES",
    "ORDER_KINDS",
    "PrintRefused",
    "Printed",
    "print_invoice",
    "print_order",
    "print_packing_slip",
    "print_rma",
]
