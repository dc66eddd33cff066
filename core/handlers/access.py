"""Staff accounts, API tokens, profiles and per-person permissions. Each change is
audited in history and recorded in the activity log."""

from __future__ import annotations

from core import commands, ports
from core.access import AccessError, DuplicateStaff, UnknownProfile, check_grant_and_revoke
from core.errors import NotFound
from core.model.profiles import Profile
from core.model.staff import ApiToken, StaffMember


def add_staff(command: commands.AddStaff, uow: ports.UnitOfWork) -> int:
    if uow.staff.get(command.username) is not None:
        raise DuplicateStaff(f"staff {command.username} exists already")
    _profile(uow, command.profile)
    staff = StaffMember(
        command.username,
        command.display_name,
        command.password,
        email=command.email,
        profile=command.profile,
        is_admin=command.is_admin,
    )
    uow.staff.add(staff)
    detail = {"profile": command.profile, "admin": command.is_admin}
    uow.activity.record(
        "staff.add", document_type="staff", document_id=staff.username, detail=detail
    )
    return staff.id


def disable_staff(command: commands.DisableStaff, uow: ports.UnitOfWork) -> None:
    staff = _staff(uow, command.username)
    staff.disable()
    uow.activity.record("staff.disable", document_type="staff", document_id=staff.username)


def issue_api_token(command: commands.IssueApiToken, uow: ports.UnitOfWork) -> str:
    staff = _staff(uow, command.username)
    if not staff.active:
        raise AccessError(f"staff {staff.username} is disabled; no token is issued")
    token, text = ApiToken.issue(staff.id, command.label, expires_at=command.expires_at)
    uow.staff.add_token(token)
    detail = {"token_id": token.id, "label": token.label}
    uow.activity.record(
        "staff.token_issue", document_type="staff", document_id=staff.username, detail=detail
    )
    return text


def revoke_api_token(command: commands.RevokeApiToken, uow: ports.UnitOfWork) -> None:
    staff = _staff(uow, command.username)
    token = uow.staff.token(staff.id, command.token_id)
    if token is None:
        raise NotFound(f"staff {staff.username} has no API token {command.token_id}")
    token.revoke()
    uow.activity.record(
        "staff.token_revoke",
        document_type="staff",
        document_id=staff.username,
        detail={"token_id": token.id},
    )


def override_permissions(command: commands.OverridePermissions, uow: ports.UnitOfWork) -> None:
    grant, revoke = check_grant_and_revoke(command.grant, command.revoke)
    staff = _staff(uow, command.username)
    staff.override(grant, revoke)
    detail = {"grant": list(grant), "revoke": list(revoke)}
    uow.activity.record(
        "staff.permissions", document_type="staff", document_id=staff.username, detail=detail
    )


def change_profile(command: commands.ChangeProfile, uow: ports.UnitOfWork) -> None:
    grant, revoke = check_grant_and_revoke(command.grant, command.revoke)
    profile = _profile(uow, command.profile)
    profile.change(grant, revoke)
    detail = {"grant": list(grant), "revoke": list(revoke)}
    uow.activity.record(
        "profiles.change", document_type="profile", document_id=profile.name, detail=detail
    )


def restore_profile(command: commands.RestoreProfile, uow: ports.UnitOfWork) -> None:
    profile = _profile(uow, command.profile)
    profile.restore()
    uow.activity.record("profiles.restore", document_type="profile", document_id=profile.name)


def _staff(uow: ports.UnitOfWork, username: str) -> StaffMember:
    staff = uow.staff.get(username)
    if staff is None:
        raise NotFound(f"no staff member {username}")
    return staff


def _profile(uow: ports.UnitOfWork, name: str) -> Profile:
    profile = uow.staff.profile(name)
    if profile is None:
        raise UnknownProfile(f"unknown profile {name!r}")
    return profile
