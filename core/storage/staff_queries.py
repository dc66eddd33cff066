"""Read-side queries for staff and profiles: never a password or token hash."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from core.access import DEFAULT_PROFILES, PERMISSIONS, effective_permissions
from core.errors import NotFound
from core.storage import tables
from core.storage.history import plain_value

_staff = tables.staff.c
_tokens = tables.api_tokens.c
_profiles = tables.profiles.c
STAFF_SECRETS = ("password_hash",)
TOKEN_SECRETS = ("token_hash",)


def list_staff(engine: Engine) -> list[dict[str, Any]]:
    live_tokens = (
        select(func.count())
        .where(_tokens.staff_id == _staff.id, _tokens.revoked_at.is_(None))
        .scalar_subquery()
        .label("live_tokens")
    )
    query = select(tables.staff, live_tokens).order_by(_staff.username)
    with engine.connect() as connection:
        return [_plain(row, drop=STAFF_SECRETS) for row in connection.execute(query)]


def staff_detail(engine: Engine, username: str) -> dict[str, Any]:
    """One staff member: effective permissions, tokens (never their hashes), history."""
    with engine.connect() as connection:
        row = connection.execute(
            select(tables.staff).where(_staff.username == username)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no staff member {username}")
        detail = _plain(row, drop=STAFF_SECRETS)
        permissions = _profile_permissions(connection, row.profile)
        detail["permissions"] = sorted(
            effective_permissions(permissions, row.permission_overrides, is_admin=row.is_admin)
        )
        tokens = connection.execute(
            select(tables.api_tokens).where(_tokens.staff_id == row.id).order_by(_tokens.id)
        )
        detail["tokens"] = [_plain(token, drop=(*TOKEN_SECRETS, "staff_id")) for token in tokens]
        detail["history"] = _history(connection, "staff", row.id)
    return detail


def list_profiles(engine: Engine) -> list[dict[str, Any]]:
    """The profiles in their standard order, each with what differs from its default."""
    with engine.connect() as connection:
        rows = {row.name: row for row in connection.execute(select(tables.profiles))}
    return [_profile(rows[name]) for name in DEFAULT_PROFILES if name in rows]


def profile_detail(engine: Engine, name: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            select(tables.profiles).where(_profiles.name == name)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no profile {name}")
        detail = _profile(row)
        detail["descriptions"] = {p: PERMISSIONS[p] for p in detail["permissions"]}
        detail["history"] = _history(connection, "profile", row.id)
    return detail


def _profile(row) -> dict[str, Any]:
    values = _plain(row)
    granted = set(row.permissions)
    default = DEFAULT_PROFILES.get(row.name, frozenset())
    values["added_to_default"] = sorted(granted - default)
    values["removed_from_default"] = sorted(default - granted)
    return values


def _profile_permissions(connection: Connection, name: str) -> list[str]:
    permissions = connection.execute(
        select(_profiles.permissions).where(_profiles.name == name)
    ).scalar_one_or_none()
    return permissions or []


def _history(connection: Connection, doc_type: str, doc_id: int) -> list[dict[str, Any]]:
    history = tables.history.c
    rows = connection.execute(
        select(tables.history)
        .where(history.doc_type == doc_type, history.doc_id == doc_id)
        .order_by(history.id)
    )
    return [_plain(entry, drop=("doc_type", "doc_id")) for entry in rows]


def _plain(row, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in row._mapping.items() if k not in drop}
