"""Profiles: the standard sets of permissions staff are given, which an administrator
can change and restore to their defaults."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from core.access import DEFAULT_PROFILES, check_permissions, check_profile_name


class Profile:
    id: int | None

    def __init__(self, name: str, permissions: Iterable[str]) -> None:
        self.name = check_profile_name(name)
        self.permissions = list(check_permissions(permissions))
        self.changed = set(self.permissions) != DEFAULT_PROFILES[name]
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def change(self, grant: Iterable[str] = (), revoke: Iterable[str] = ()) -> None:
        permissions = (set(self.permissions) | set(grant)) - set(revoke)
        self._set(permissions)

    def restore(self) -> None:
        self._set(DEFAULT_PROFILES[self.name])

    def _set(self, permissions: Iterable[str]) -> None:
        self.permissions = list(check_permissions(permissions))
        self.changed = set(self.permissions) != DEFAULT_PROFILES[self.name]
        self.updated_at = datetime.now(UTC)
