"""SP-API JSON objects read through the same Record interface as MWS elements."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.errors import ParseError


class JsonRecord:
    """A JSON object of an SP-API answer; scalars read as text ("true", "3", "12.50")."""

    __slots__ = ("data", "where")

    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def text(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, Decimal)):
            return str(value)
        if isinstance(value, str):
            return value.strip() or None
        raise ParseError(f"{self.where} {name} is {kind(value)}, not a value")

    def child(self, name: str) -> JsonRecord | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ParseError(f"{self.where} {name} is {kind(value)}, not an object")
        return JsonRecord(value, f"{self.where} {name}")

    def texts(self, name: str, item: str) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
            raise ParseError(f"{self.where} {name} is not a list of strings")
        return tuple(entry.strip() for entry in value if entry.strip())


def kind(value: Any) -> str:
    """How a JSON value is named in messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
