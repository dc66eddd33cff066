"""Who holds an API token: the token, its staff member and their profile's
permissions in one query, since every API call asks."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from core.storage import tables
from core.storage.engine import one_statement

_tokens = tables.api_tokens.c
_staff = tables.staff.c
_profiles = tables.profiles.c


class TokenHolder(NamedTuple):
    token_id: int
    token_hash: str
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    staff_id: int
    username: str
    is_admin: bool
    active: bool
    profile: str
    permission_overrides: dict | None
    profile_permissions: list[str] | None


_QUERY = (
    select(
        _tokens.id,
        _tokens.token_hash,
        _tokens.expires_at,
        _tokens.revoked_at,
        _tokens.last_used_at,
        _staff.id,
        _staff.username,
        _staff.is_admin,
        _staff.active,
        _staff.profile,
        _staff.permission_overrides,
        _profiles.permissions,
    )
    .join(tables.staff, _staff.id == _tokens.staff_id)
    .outerjoin(tables.profiles, _profiles.name == _staff.profile)
)


def token_holders(engine: Engine, lookup: str) -> list[TokenHolder]:
    """Every token sharing this clear lookup part (almost always one)."""
    with one_statement(engine) as connection:
        rows = connection.execute(_QUERY.where(_tokens.lookup == lookup)).all()
    return [TokenHolder(*row) for row in rows]


def mark_token_used(engine: Engine, token_id: int, now: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(tables.api_tokens).where(_tokens.id == token_id).values(last_used_at=now)
        )
