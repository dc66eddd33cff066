"""Who is calling: API tokens and passwords turned into the principal a request acts as."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from core.access import Principal
from core.model.staff import StaffMember, check_password, hash_password, token_lookup
from core.ports import SYSTEM, Actor


@functools.cache
def _unknown_user_hash() -> str:
    """Verified when the username is unknown, so that a wrong name takes as long as a
    wrong password and does not reveal which accounts exist."""
    return hash_password("no such staff member, only here to take time")


class TokenAuthenticator:
    def __init__(self, uow_factory) -> None:
        self.uow_factory = uow_factory

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a live token of an active staff member, else None."""
        lookup = token_lookup(token or "")
        if lookup is None:
            return None
        now = datetime.now(UTC)
        with self.uow_factory(SYSTEM) as uow:
            for candidate in uow.staff.tokens_with_lookup(lookup):
                if candidate.matches(token) and candidate.usable(now):
                    staff = uow.staff.get_by_id(candidate.staff_id)
                    if staff is None or not staff.active:
                        return None
                    principal = _principal(uow, staff)
                    candidate.used(now)
                    uow.commit()
                    return principal
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
    profile = uow.staff.profile(staff.profile)
    return staff.principal(profile.permissions if profile is not None else ())
