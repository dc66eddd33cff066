"""Carriers: rate estimates (FedEx's REST APIs, our own table rates) and the 4x6
shipping labels we print for what we ship ourselves."""

from adapters.carriers.code128 import BarcodeError
from adapters.carriers.fedex import FedExRates
from adapters.carriers.label import render_label
from adapters.carriers.table import TableRange, TableRates, ranges_from_stored

__all__ = [
    "BarcodeError",
    "FedExRates",
    "TableRange",
    "TableRates",
    "ranges_from_stored",
    "render_label",
]
