"""What every /api/v1 route module shares: the route record, the 400 error, and
the readers of query and body values."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from core.access import Principal
from core.errors import OrderB2BError
from core.ports import Actor

Handler = Callable[..., tuple[int, Any]]  # (app, principal, params, query[, body])
MAX_LIMIT = 500


@dataclass(frozen=True)
class Raw:
    """An answer that is not JSON (a PDF, HTML, a CSV export): a handler returns
    (status, Raw(...)) and the bytes are sent as they are."""

    media_type: str
    content: bytes
    filename: str | None = None


class BadQuery(OrderB2BError):
    """A query parameter the route cannot use; answered 400."""


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    permission: str
    summary: str
    handler: Handler
    query: tuple[tuple[str, str], ...] = ()  # (name, description)
    status: int = 200
    # JSON body fields: (name, description) for text, or (name, description, JSON schema)
    body: tuple[tuple, ...] = ()
    # What a successful answer is when it is not JSON, e.g. ("application/pdf", "text/html")
    media_types: tuple[str, ...] = ()
    # The largest JSON body the route takes (an uploaded file travels in it, base64).
    max_body: int = 64 * 1024
    pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        object.__setattr__(self, "pattern", re.compile(f"^{regex}$"))

    @property
    def action(self) -> str:
        """What the activity log calls a call of this route."""
        return f"{self.method.lower()} {self.path}"


def limit_of(query: dict[str, str]) -> int:
    try:
        limit = int(query.get("limit", "100"))
    except ValueError:
        raise BadQuery("limit must be a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


def decimal_field(body: dict, name: str) -> Decimal:
    value = body.get(name)
    try:
        if isinstance(value, str | int) and not isinstance(value, bool):
            return Decimal(value)
    except InvalidOperation:
        pass
    raise BadQuery(f'{name} must be a decimal number given as text, e.g. "4" or "2.5"')


def date_field(body: dict, name: str) -> date | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadQuery(f"{name} must be a date, YYYY-MM-DD") from None


def actor_of(principal: Principal):
    return Actor("staff", principal.username)


LIMIT = ("limit", f"how many to answer, 1 to {MAX_LIMIT} (default 100)")
