"""One way to read an Amazon Orders API object, whether it came as MWS XML or
SP-API JSON: both use the same field names (SP-API Orders v0 kept MWS's)."""

from __future__ import annotations

from typing import Protocol

from lxml import etree

from adapters.mws.values import Money, amount, currency


class Record(Protocol):
    """An Order, OrderItem, Address or Money object, read by field name."""

    where: str

    def text(self, name: str) -> str | None:
        """The field's value as stripped text, or None when absent or empty."""

    def child(self, name: str) -> Record | None:
        """The nested object in the field, or None when absent."""

    def texts(self, name: str, item: str) -> tuple[str, ...]:
        """The values of a list field (`item` names each entry in XML)."""


class XmlRecord:
    """An MWS element; children are matched by local name, whatever the namespace."""

    __slots__ = ("element", "where")

    def __init__(self, element: etree._Element, where: str) -> None:
        self.element = element
        self.where = where

    def text(self, name: str) -> str | None:
        found = self._find(name)
        if found is None or found.text is None:
            return None
        return found.text.strip() or None

    def child(self, name: str) -> XmlRecord | None:
        found = self._find(name)
        return None if found is None else XmlRecord(found, f"{self.where} {name}")

    def texts(self, name: str, item: str) -> tuple[str, ...]:
        found = self._find(name)
        if found is None:
            return ()
        values = (entry.text.strip() for entry in children(found, item) if entry.text)
        return tuple(value for value in values if value)

    def _find(self, name: str) -> etree._Element | None:
        return next(children(self.element, name), None)


def money(record: Record, name: str) -> Money | None:
    """A Money field (CurrencyCode and Amount); None when it has no Amount."""
    found = record.child(name)
    if found is None:
        return None
    value = found.text("Amount")
    if value is None:
        return None
    where = f"{record.where} {name}"
    return Money(amount(value, f"{where} Amount"), currency(found.text("CurrencyCode"), where))


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def children(element: etree._Element, name: str):
    """Child elements with this local name, in document order."""
    return (child for child in element if local_name(child) == name)
