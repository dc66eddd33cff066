"""Reading request bodies and paths for /api/v1 routes: text, decimals given as
text, flags, addresses and numbers, each refused with a clear 400 problem; and the
customer-group scope of the caller."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from hub.api.common import BadQuery

ADDRESS_FIELDS = ("name", "deliver_to", "street", "city", "state", "postal_code", "country")


def scope_of(principal) -> frozenset[int] | None:
    return None if principal.sees_all_customers else principal.groups


def text_field(body: dict, name: str, *, size: int | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadQuery(f"{name} must be text")
    if size is not None and len(value) > size:
        raise BadQuery(f"{name} is longer than {size} characters")
    return value


def decimal_value(body: dict, name: str) -> Decimal | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        if isinstance(value, str | int) and not isinstance(value, bool):
            number = Decimal(value)
            if number.is_finite():
                return number
    except InvalidOperation:
        pass
    raise BadQuery(f'{name} must be a decimal number given as text, e.g. "2.5"')


def flag_field(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise BadQuery(f"{name} must be true or false")
    return value


def address_field(body: dict, name: str) -> dict | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadQuery(f"{name} must be an object with {', '.join(ADDRESS_FIELDS)}")
    unknown = sorted(set(value) - set(ADDRESS_FIELDS))
    if unknown:
        raise BadQuery(f"{name}: unknown field(s) {', '.join(unknown)}")
    address = {}
    for key, item in value.items():
        if key in ("deliver_to", "street"):
            if not isinstance(item, list) or not all(isinstance(x, str) for x in item):
                raise BadQuery(f"{name}.{key} must be a list of text")
        elif item is not None and not isinstance(item, str):
            raise BadQuery(f"{name}.{key} must be text")
        address[key] = item
    if address.get("country"):
        address["country"] = address["country"].strip().upper()
    return address


def path_number(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise BadQuery(f"{what} {text!r} is not a number")
    return int(text)


# Quotes
