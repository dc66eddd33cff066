"""Sales teams and who is in them. A person can be in several teams; leaving a team
archives the membership (nothing is deleted) and joining again brings it back.

Whose customers a person sees follows from here: a salesperson or sales manager who
is not an administrator works only with the customer groups of their teams and the
groups they manage themselves (see core/storage/scope.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.errors import OrderB2BError
from core.model.customers import check_code

ROLES = ("member", "manager")
# Profiles whose work is limited to their teams' customer groups.
SCOPED_PROFILES = frozenset({"salesperson", "sales_manager"})


class TeamError(OrderB2BError):
    """A team or membership change that cannot be made as given."""


def check_role(role: str) -> str:
    if role not in ROLES:
        raise TeamError(f"role must be one of {', '.join(ROLES)}")
    return role


class SalesTeam:
    id: int | None

    def __init__(self, code: str, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise TeamError(f"team {code}: the name is empty")
        self.code = check_code("team", code)
        self.name = name.strip()
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def change(self, name: str | None = None, archived: bool | None = None) -> list[str]:
        """The names of the fields that changed."""
        changed = []
        if name is not None:
            if not isinstance(name, str) or not name.strip():
                raise TeamError(f"team {self.code}: the name is empty")
            if name.strip() != self.name:
                self.name = name.strip()
                changed.append("name")
        if archived is not None and archived != self.archived:
            self.archived = archived
            changed.append("archived")
        if changed:
            self.updated_at = datetime.now(UTC)
        return changed


class TeamMember:
    """One person's place in one team: a member or its manager."""

    id: int | None

    def __init__(self, team_id: int, staff_id: int, role: str = "member") -> None:
        self.team_id = team_id
        self.staff_id = staff_id
        self.role = check_role(role)
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)

    def join(self, role: str) -> bool:
        """Back in the team (if they had left) with this role; whether anything changed."""
        role = check_role(role)
        if not self.archived and self.role == role:
            return False
        self.role, self.archived = role, False
        self.updated_at = datetime.now(UTC)
        return True

    def leave(self) -> bool:
        if self.archived:
            return False
        self.archived = True
        self.updated_at = datetime.now(UTC)
        return True
