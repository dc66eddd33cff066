"""Who is calling: API tokens and passwords turned into the principal a request acts as."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from core.access import Principal, effective_permissions
from core.model.staff import (
    StaffMember,
    check_password,
    hash_password,
    token_lookup,
    token_matches,
    token_usable,
    use_worth_noting,
)
from core.model.teams import SCOPED_PROFILES
from core.ports import Actor
from core.storage.scope import scoped
from core.storage.token_holders import mark_token_used, token_holders


@functools.cache
def _unknown_user_hash() -> str:
    """Verified when the username is unknown, so that a wrong name takes as long as a
    wrong password and does not reveal which accounts exist."""
    return hash_password("no such staff member, only here to take time")


class TokenAuthenticator:
    def __init__(self, uow_factory) -> None:
        self.uow_factory = uow_factory
        self.engine = uow_factory.engine

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a live token of an active staff member, else None: one
        query, and a write only when the token's last use is worth noting."""
        lookup = token_lookup(token or "")
        if lookup is None:
            return None
        now = datetime.now(UTC)
        for holder in token_holders(self.engine, lookup):
            if not token_matches(holder.token_hash, token):
                continue
            if not holder.active or not token_usable(holder.revoked_at, holder.expires_at, now):
                return None
            if use_worth_noting(holder.last_used_at, now):
                mark_token_used(self.engine, holder.token_id, now)
            permissions = effective_permissions(
                holder.profile_permissions or (),
                holder.permission_overrides,
                is_admin=holder.is_admin,
            )
            principal = Principal(holder.staff_id, holder.username, permissions, holder.is_admin)
            return scoped(self.engine, principal, holder.profile)
        return None

    def password_login(self, username: str, password: str) -> Principal | None:
        """The principal of an active staff member whose password is right, else None.
        A hash in an older format is replaced by argon2id on the way."""
        with self.uow_factory(Actor("staff", username)) as uow:
            staff = uow.staff.get(username)
            if staff is None:
                check_password(password, _unknown_user_hash())
                return None
            if not staff.verify_password(password) or not staff.active:
                return None
            principal = _principal(uow, staff)
            uow.commit()
            return principal


def _principal(uow, staff: StaffMember) -> Principal:
    """What the staff member may do, and the customer groups their work is limited
    to (found with one query, as the API authenticates every call)."""
    profile = uow.staff.profile(staff.profile)
    principal = staff.principal(profile.permissions if profile is not None else ())
    if staff.is_admin or staff.profile not in SCOPED_PROFILES:
        return principal
    return principal._replace(groups=uow.teams.groups_seen_by(staff.id))
