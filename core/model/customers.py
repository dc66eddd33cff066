"""Customers: the organisations we sell to, their contacts and addresses, and the
customer groups that segment them (price level, discount, newsletter, and the sales
team and account manager who look after them).

Values arrive from the API and the shell as JSON or text; each field says what it
takes and refuses anything else with the field's name in the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.errors import OrderB2BError

STATUSES = ("customer", "lead")
ADDRESS_KINDS = ("billing", "shipping")
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


class CustomerError(OrderB2BError):
    """A customer, contact, address or group change that cannot be made as given."""


class DuplicateCustomer(CustomerError):
    pass


def check_code(kind: str, code: str) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise CustomerError(
            f"{kind} code {code!r}: 1 to 64 letters, digits, . _ -, starting with a letter or digit"
        )
    return code


@dataclass(frozen=True)
class Field:
    """What one field takes: text (up to `size` characters), a yes/no, a whole
    number or a decimal (within bounds), or one of `choices`."""

    kind: str = "text"
    size: int | None = None
    required: bool = False
    low: Decimal | None = None
    high: Decimal | None = None
    choices: tuple[str, ...] = ()

    def clean(self, name: str, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise CustomerError(f"{name} is needed")
            return False if self.kind == "bool" else None
        return getattr(self, f"_{self.kind}")(name, value)

    def _text(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise CustomerError(f"{name} must be text")
        value = value.strip()
        if self.choices and value not in self.choices:
            raise CustomerError(f"{name} must be one of {', '.join(self.choices)}")
        if self.size and len(value) > self.size:
            raise CustomerError(f"{name} is longer than {self.size} characters")
        return value

    def _email(self, name: str, value: Any) -> str:
        value = self._text(name, value)
        local, at, domain = value.rpartition("@")
        if not at or not local or "." not in domain or " " in value:
            raise CustomerError(f"{name} {value!r} is not an email address")
        return value

    def _country(self, name: str, value: Any) -> str:
        value = self._text(name, value).upper()
        if not _COUNTRY.fullmatch(value):
            raise CustomerError(f"{name} must be a two-letter ISO 3166 country code, e.g. US")
        return value

    def _bool(self, name: str, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise CustomerError(f"{name} must be true or false")

    def _int(self, name: str, value: Any) -> int:
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise CustomerError(f"{name} must be a whole number")
        return int(self._bounded(name, Decimal(value)))

    def _decimal(self, name: str, value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
            raise CustomerError(f'{name} must be a decimal number given as text, e.g. "12.5"')
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise CustomerError(f'{name} must be a decimal number given as text, e.g. "12.5"')
        return self._bounded(name, number)

    def _bounded(self, name: str, number: Decimal) -> Decimal:
        if self.low is not None and number < self.low:
            raise CustomerError(f"{name} must be at least {self.low}")
        if self.high is not None and number > self.high:
            raise CustomerError(f"{name} must be at most {self.high}")
        return number


PERCENT = Field("decimal", low=Decimal(0), high=Decimal(100))
FLAG = Field("bool")

CUSTOMER_FIELDS = {
    "name": Field(size=200, required=True),
    "email": Field("email", size=254),
    "phone": Field(size=64),
    "partner_code": Field(size=64),
    "status": Field(choices=STATUSES, required=True),
    "tax_exempt": FLAG,
    "tax_exempt_id": Field(size=64),
    "net_terms_days": Field("int", low=Decimal(0), high=Decimal(365)),
    "credit_limit": Field("decimal", low=Decimal(0)),
    "discount_percent": PERCENT,
    "website": Field(size=200),
    "notes": Field(),
    "archived": FLAG,
}
CONTACT_FIELDS = {
    "name": Field(size=200, required=True),
    "email": Field("email", size=254),
    "phone": Field(size=64),
    "role": Field(size=100),
    "is_primary": FLAG,
    "archived": FLAG,
}
ADDRESS_FIELDS = {
    "kind": Field(choices=ADDRESS_KINDS, required=True),
    "label": Field(size=100),
    "street1": Field(size=200, required=True),
    "street2": Field(size=200),
    "city": Field(size=100, required=True),
    "state": Field(size=100),
    "postal_code": Field(size=32),
    "country": Field("country", required=True),
    "is_default": FLAG,
    "archived": FLAG,
}
GROUP_FIELDS = {
    "name": Field(size=200, required=True),
    "price_level": Field(size=32),
    "discount_percent": PERCENT,
    "newsletter": FLAG,
    "takes_new_leads": FLAG,
    "archived": FLAG,
    # An order confirmation email for the group's orders: always, never, or (blank)
    # as the setting orders.confirmation_email says (M-43).
    "order_confirmation": Field(choices=("always", "never")),
}


def clean_values(kind: str, fields: dict[str, Field], values: dict[str, Any]) -> dict[str, Any]:
    """The values checked and in their types; refuses fields the kind does not have."""
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise CustomerError(
            f"{kind}: unknown field(s) {', '.join(unknown)}; known: {', '.join(fields)}"
        )
    return {name: fields[name].clean(name, value) for name, value in values.items()}


class _Record:
    """Shared by the records here: set fields from checked values, record the time."""

    FIELDS: dict[str, Field] = {}
    KIND = "record"

    def _start(self, values: dict[str, Any]) -> None:
        missing = {name: None for name, f in self.FIELDS.items() if name not in values}
        for name, value in clean_values(self.KIND, self.FIELDS, {**missing, **values}).items():
            setattr(self, name, value)
        self.created_at = self.updated_at = datetime.now(UTC)

    def change(self, values: dict[str, Any]) -> list[str]:
        """Set the values given; returns the names of the fields that changed."""
        changed = []
        for name, value in clean_values(self.KIND, self.FIELDS, values).items():
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed.append(name)
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed


class Customer(_Record):
    id: int | None
    FIELDS = CUSTOMER_FIELDS
    KIND = "customer"

    def __init__(
        self,
        code: str,
        name: str,
        *,
        email=None,
        phone=None,
        partner_code=None,
        status: str = "customer",
        group_id: int | None = None,
        **values: Any,
    ):
        self.code = check_code("customer", code)
        self._start(
            {
                "name": name,
                "email": email,
                "phone": phone,
                "partner_code": partner_code,
                "status": status,
                **values,
            }
        )
        self.group_id = group_id

    @property
    def is_lead(self) -> bool:
        return self.status == "lead"

    def move_to_group(self, group_id: int | None) -> bool:
        if self.group_id == group_id:
            return False
        self.group_id = group_id
        self.updated_at = datetime.now(UTC)
        return True


class CustomerContact(_Record):
    """A person at a customer; at most one live contact is the primary one."""

    id: int | None
    FIELDS = CONTACT_FIELDS
    KIND = "contact"

    def __init__(self, customer_id: int, values: dict[str, Any]) -> None:
        self.customer_id = customer_id
        self._start(values)


class CustomerAddress(_Record):
    """A billing or shipping address; at most one live default of each kind."""

    id: int | None
    FIELDS = ADDRESS_FIELDS
    KIND = "address"

    def __init__(self, customer_id: int, values: dict[str, Any]) -> None:
        self.customer_id = customer_id
        self._start(values)


class CustomerGroup(_Record):
    """A segment of customers: its price level and discount for the pricing engine,
    whether it gets the newsletter, and the sales team and account manager whose
    staff see its customers. One group at most takes new leads."""

    id: int | None
    FIELDS = GROUP_FIELDS
    KIND = "customer group"

    def __init__(self, code: str, name: str, **values: Any) -> None:
        self.code = check_code("customer group", code)
        self._start({"name": name, **values})
        self.team_id = self.manager_id = None

    def assign(self, **ids: int | None) -> list[str]:
        """Set the sales team (`team_id`) or account manager (`manager_id`) given."""
        changed = []
        for name, value in ids.items():
            if name not in ("team_id", "manager_id"):
                raise CustomerError(f"a customer group is assigned a team or manager, not {name}")
            if getattr(self, name) != value:
                setattr(self, name, value)
                changed.append(name)
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed


def keep_one(records: list, chosen, flag: str, same=lambda record: True) -> None:
    """When `chosen` carries the flag (primary contact, default address), the other
    live records alike lose it."""
    if not getattr(chosen, flag) or chosen.archived:
        return
    for record in records:
        if record is not chosen and getattr(record, flag) and same(record):
            record.change({flag: False})
