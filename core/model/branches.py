"""Our branches: the places a customer may collect an order from (M-44)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from core.errors import OrderB2BError

FIELDS = {
    # name: (longest, needed)
    "name": (200, True),
    "street1": (200, True),
    "street2": (200, False),
    "city": (100, True),
    "state": (64, False),
    "postal_code": (16, False),
    "country": (2, True),
    "phone": (64, False),
    "email": (254, False),
}


class BranchError(OrderB2BError):
    """A branch that cannot be kept as given."""


class Branch:
    id: int | None

    def __init__(self, code: str, name: str, street1: str, city: str, country: str) -> None:
        code = (code or "").strip()
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", code):
            raise BranchError(f"branch code {code!r}: 1 to 32 letters, digits, - _ .")
        self.code = code
        self.name, self.street1, self.city, self.country = name, street1, city, country
        self.street2 = self.state = self.postal_code = self.phone = self.email = None
        self.pickup = False
        self.active = True
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
        self.change(name=name, street1=street1, city=city, country=country)

    def change(self, **values: Any) -> list[str]:
        unknown = sorted(set(values) - set(FIELDS) - {"pickup", "active"})
        if unknown:
            raise BranchError(f"cannot change {', '.join(unknown)} of a branch")
        checked = {name: _checked(name, value) for name, value in values.items()}
        changed = [name for name, value in checked.items() if getattr(self, name) != value]
        for name in changed:
            setattr(self, name, checked[name])
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed


def _checked(name: str, value: Any) -> Any:
    if name in ("pickup", "active"):
        if not isinstance(value, bool):
            raise BranchError(f"{name} must be true or false")
        return value
    if value is not None and not isinstance(value, str):
        raise BranchError(f"{name} must be text")
    value = (value or "").strip() or None
    longest, needed = FIELDS[name]
    if needed and value is None:
        raise BranchError(f"a branch needs {name.replace('_', ' ')}")
    if name == "country" and value:
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise BranchError("country must be an ISO 3166 two-letter code")
        return value.upper()
    if value and len(value) > longest:
        raise BranchError(f"{name} is longer than {longest} characters")
    if name == "email" and value and "@" not in value:
        raise BranchError(f"{value!r} is not an email address")
    return value
