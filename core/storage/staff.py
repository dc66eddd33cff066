"""Staff, API tokens and profiles through the ORM; the activity of a unit of work."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import ports
from core.access import Principal
from core.model.profiles import Profile
from core.model.staff import ApiToken, StaffMember
from core.storage import activity


class SqlStaffRepository(ports.StaffRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, staff: StaffMember) -> None:
        """Keep a new staff member; it has its id on return."""
        self.session.add(staff)
        self.session.flush()

    def get(self, username: str) -> StaffMember | None:
        query = select(StaffMember).filter_by(username=username)
        return self.session.scalars(query).one_or_none()

    def get_by_id(self, staff_id: int) -> StaffMember | None:
        return self.session.get(StaffMember, staff_id)

    def add_token(self, token: ApiToken) -> None:
        """Keep a new token; it has its id on return."""
        self.session.add(token)
        self.session.flush()

    def token(self, staff_id: int, token_id: int) -> ApiToken | None:
        query = select(ApiToken).filter_by(id=token_id, staff_id=staff_id)
        return self.session.scalars(query).one_or_none()

    def tokens_with_lookup(self, lookup: str) -> list[ApiToken]:
        return list(self.session.scalars(select(ApiToken).filter_by(lookup=lookup)))

    def profile(self, name: str) -> Profile | None:
        return self.session.scalars(select(Profile).filter_by(name=name)).one_or_none()


class SqlActivityLog(ports.ActivityLog):
    """Records in the unit of work's transaction, as the staff member acting when the
    actor names one."""

    def __init__(self, session: Session, actor: ports.Actor) -> None:
        self.session = session
        self.actor = actor

    def record(
        self,
        action: str,
        *,
        document_type: str | None = None,
        document_id: str | None = None,
        detail: dict | None = None,
    ) -> None:
        activity.record(
            self.session.connection(),
            self._principal_or_actor(),
            action,
            document_type=document_type,
            document_id=document_id,
            detail=detail,
        )

    def _principal_or_actor(self):
        if self.actor.kind != "staff":
            return self.actor
        staff = self.session.scalars(
            select(StaffMember).filter_by(username=self.actor.name)
        ).one_or_none()
        if staff is None:
            return self.actor
        # Only who acted is recorded, not what they may do.
        return Principal(staff.id, staff.username, frozenset(), staff.is_admin)
