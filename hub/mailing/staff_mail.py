"""Who among our staff wrote a message: found by their address, so that a reply to a
task or discussion notice is theirs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from core.errors import NotFound
from core.storage import discussion_queries, tables

_staff = tables.staff.c


def member_by_address(engine: Engine, address: str | None) -> dict[str, Any] | None:
    """The one active staff member with this email address (case-insensitive); None
    when nobody, or more than one person, has it."""
    if not address:
        return None
    query = select(_staff.username, _staff.is_admin).where(
        func.lower(_staff.email) == address.strip().lower(), _staff.active.is_(True)
    )
    with engine.connect() as connection:
        found = connection.execute(query.limit(2)).all()
    if len(found) != 1:
        return None
    return {"username": found[0].username, "is_admin": found[0].is_admin}


def is_staff_address(engine: Engine, address: str | None) -> bool:
    return member_by_address(engine, address) is not None


def discussion_refusal(engine: Engine, number: str, member: dict[str, Any]) -> str | None:
    """Why this staff member's message cannot go in the discussion; None when it can."""
    try:
        status = discussion_queries.check_discussion_visible(
            engine, number, member["username"], member["is_admin"]
        )
    except NotFound:
        return f"{member['username']} does not take part in discussion {number}"
    return f"discussion {number} is closed" if status == "closed" else None
