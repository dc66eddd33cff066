"""`orderb2b staff|profiles|activity`: staff accounts, API tokens, permissions and the
activity log from the shell.

A password never appears on the command line (where `ps` would show it): it is
read from an environment variable or a file named by the option. A token is
printed once, when it is issued.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from pathlib import Path

from core import commands
from core.access import DEFAULT_PROFILES, PERMISSIONS
from core.ports import Actor


class StaffUsageError(Exception):
    """A bad option value; the CLI reports it in one line."""


def add_parsers(commands_parser, app_factory) -> None:
    _staff_parsers(commands_parser, app_factory)
    _profile_parsers(commands_parser, app_factory)
    _activity_parsers(commands_parser, app_factory)


def _staff_parsers(commands_parser, app_factory) -> None:
    staff = commands_parser.add_parser("staff", help="staff accounts and API tokens")
    verbs = staff.add_subparsers(dest="staff", required=True)

    add = verbs.add_parser("add", help="add a staff member who can sign in")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the name shown to colleagues")
    add.add_argument("--email")
    add.add_argument("--profile", default="salesperson", choices=tuple(DEFAULT_PROFILES))
    add.add_argument("--admin", action="store_true", help="may do everything")
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--password-env", metavar="VARIABLE", help="read the password from it")
    source.add_argument("--password-file", type=Path, metavar="FILE", help="read it from it")
    add.set_defaults(action=lambda args: _add(args, app_factory))

    listing = verbs.add_parser("list", help="list staff members")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list(args, app_factory))

    show = verbs.add_parser("show", help="one staff member: permissions, tokens, history")
    show.add_argument("username")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))

    disable = verbs.add_parser("disable", help="stop a staff member signing in")
    disable.add_argument("username")
    disable.set_defaults(action=lambda args: _disable(args, app_factory))

    for verb, text in (("grant", "give"), ("revoke", "take away")):
        override = verbs.add_parser(verb, help=f"{text} permissions for this person alone")
        override.add_argument("username")
        override.add_argument(
            "permission", nargs="+", metavar="PERMISSION", help=f"one of {', '.join(PERMISSIONS)}"
        )
        override.set_defaults(action=lambda args, verb=verb: _override(args, verb, app_factory))

    tokens = verbs.add_parser("token", help="API tokens").add_subparsers(
        dest="token", required=True
    )
    issue = tokens.add_parser("issue", help="issue a token; it is printed once")
    issue.add_argument("username")
    issue.add_argument("--label", required=True, help="what uses the token")
    issue.add_argument("--expires", metavar="ISO", help="when it stops working")
    issue.set_defaults(action=lambda args: _issue(args, app_factory))
    revoke = tokens.add_parser("revoke", help="revoke a token")
    revoke.add_argument("username")
    revoke.add_argument("token_id", type=int, metavar="TOKEN_ID")
    revoke.set_defaults(action=lambda args: _revoke(args, app_factory))


def _profile_parsers(commands_parser, app_factory) -> None:
    profiles = commands_parser.add_parser("profiles", help="standard permission profiles")
    verbs = profiles.add_subparsers(dest="profiles", required=True)
    listing = verbs.add_parser("list", help="list profiles")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _profiles_list(args, app_factory))
    show = verbs.add_parser("show", help="one profile's permissions and history")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _profiles_show(args, app_factory))
    change = verbs.add_parser("change", help="grant or revoke permissions of a profile")
    change.add_argument("name")
    change.add_argument("--grant", nargs="+", default=[], metavar="PERMISSION")
    change.add_argument("--revoke", nargs="+", default=[], metavar="PERMISSION")
    change.set_defaults(action=lambda args: _profiles_change(args, app_factory))
    restore = verbs.add_parser("restore", help="put a profile back to its defaults")
    restore.add_argument("name")
    restore.set_defaults(action=lambda args: _profiles_restore(args, app_factory))


def _activity_parsers(commands_parser, app_factory) -> None:
    activity = commands_parser.add_parser("activity", help="what staff did")
    verbs = activity.add_subparsers(dest="activity", required=True)
    listing = verbs.add_parser("list", help="newest first")
    listing.add_argument("--staff", metavar="USERNAME")
    listing.add_argument("--document", metavar="TYPE[:ID]", help="e.g. order:SO0000042")
    listing.add_argument("--since", metavar="ISO", help="from this time (UTC if no zone)")
    listing.add_argument("--until", metavar="ISO", help="before this time (UTC if no zone)")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _activity_list(args, app_factory))


def _add(args, app_factory) -> int:
    password = _read_password(args)
    command = commands.AddStaff(
        args.username, args.name, password, args.email, args.profile, args.admin
    )
    staff_id = app_factory().bus.execute(command, _actor())
    print(f"staff {args.username} added (id {staff_id}, profile {args.profile})")
    return 0


def _list(args, app_factory) -> int:
    from core.storage.staff_queries import list_staff

    staff = list_staff(app_factory().engine)
    if args.json:
        print(json.dumps(staff, indent=2))
        return 0
    print(f"{'USERNAME':<20} {'PROFILE':<14} {'ADMIN':<5} {'ACTIVE':<6} {'TOKENS':<6} NAME")
    for s in staff:
        print(
            f"{s['username']:<20} {s['profile']:<14} {_yes(s['is_admin']):<5} "
            f"{_yes(s['active']):<6} {s['live_tokens']:<6} {s['display_name']}"
        )
    return 0


def _show(args, app_factory) -> int:
    from core.storage.staff_queries import staff_detail

    detail = staff_detail(app_factory().engine, args.username)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    for key in ("username", "display_name", "email", "profile", "is_admin", "active"):
        print(f"{key:<14} {detail[key] if detail[key] is not None else ''}")
    print(f"{'permissions':<14} {', '.join(detail['permissions'])}")
    print("tokens:")
    for token in detail["tokens"]:
        state = "revoked" if token["revoked_at"] else "live"
        used = token["last_used_at"] or "never used"
        created = token["created_at"]
        print(f"  {token['id']:<6} {state:<8} {token['label']}  (created {created}, {used})")
    _print_history(detail["history"])
    return 0


def _disable(args, app_factory) -> int:
    app_factory().bus.execute(commands.DisableStaff(args.username), _actor())
    print(f"staff {args.username} disabled")
    return 0


def _override(args, verb: str, app_factory) -> int:
    permissions = tuple(args.permission)
    if verb == "grant":
        command = commands.OverridePermissions(args.username, grant=permissions)
    else:
        command = commands.OverridePermissions(args.username, revoke=permissions)
    app_factory().bus.execute(command, _actor())
    done = "granted to" if verb == "grant" else "revoked from"
    print(f"{', '.join(permissions)} {done} {args.username}")
    return 0


def _issue(args, app_factory) -> int:
    expires_at = _moment("--expires", args.expires) if args.expires else None
    command = commands.IssueApiToken(args.username, args.label, expires_at)
    token = app_factory().bus.execute(command, _actor())
    print(token)
    return 0


def _revoke(args, app_factory) -> int:
    app_factory().bus.execute(commands.RevokeApiToken(args.username, args.token_id), _actor())
    print(f"token {args.token_id} of {args.username} revoked")
    return 0


def _profiles_list(args, app_factory) -> int:
    from core.storage.staff_queries import list_profiles

    profiles = list_profiles(app_factory().engine)
    if args.json:
        print(json.dumps(profiles, indent=2))
        return 0
    print(f"{'PROFILE':<14} {'CHANGED':<7} PERMISSIONS")
    for p in profiles:
        print(f"{p['name']:<14} {_yes(p['changed']):<7} {', '.join(p['permissions'])}")
    return 0


def _profiles_show(args, app_factory) -> int:
    from core.storage.staff_queries import profile_detail

    detail = profile_detail(app_factory().engine, args.name)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    changed = " (changed from the default)" if detail["changed"] else ""
    print(f"profile {detail['name']}{changed}")
    for name, text in detail["descriptions"].items():
        print(f"  {name:<18} {text}")
    for key, label in (("added_to_default", "added"), ("removed_from_default", "removed")):
        if detail[key]:
            print(f"{label} against the default: {', '.join(detail[key])}")
    _print_history(detail["history"])
    return 0


def _profiles_change(args, app_factory) -> int:
    command = commands.ChangeProfile(args.name, tuple(args.grant), tuple(args.revoke))
    app_factory().bus.execute(command, _actor())
    print(f"profile {args.name} changed")
    return 0


def _profiles_restore(args, app_factory) -> int:
    app_factory().bus.execute(commands.RestoreProfile(args.name), _actor())
    print(f"profile {args.name} restored to its defaults")
    return 0


def _activity_list(args, app_factory) -> int:
    from core.storage.activity import list_activity

    if args.limit < 1:
        raise StaffUsageError("--limit must be 1 or more")
    document_type, document_id = _document(args.document)
    entries = list_activity(
        app_factory().engine,
        username=args.staff,
        document_type=document_type,
        document_id=document_id,
        since=_moment("--since", args.since) if args.since else None,
        until=_moment("--until", args.until) if args.until else None,
        limit=args.limit,
    )
    if args.json:
        print(json.dumps(entries, indent=2))
        return 0
    for e in entries:
        document = f"{e['document_type']}:{e['document_id']}" if e["document_type"] else ""
        detail = json.dumps(e["detail"], sort_keys=True) if e["detail"] else ""
        print(f"{e['at']}  {e['username']:<20} {e['action']:<20} {document:<24} {detail}")
    return 0


def _document(value: str | None) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    document_type, _colon, document_id = value.partition(":")
    if not document_type:
        raise StaffUsageError(f"--document {value!r}: expected TYPE or TYPE:ID")
    return document_type, document_id or None


def _moment(option: str, value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise StaffUsageError(f"{option} {value!r}: expected an ISO 8601 time") from None


def _read_password(args) -> str:
    if args.password_env:
        if args.password_env not in os.environ:
            raise StaffUsageError(f"environment variable {args.password_env} is not set")
        password = os.environ[args.password_env]
    else:
        if not args.password_file.is_file():
            raise StaffUsageError(f"{args.password_file}: no such file")
        password = args.password_file.read_text("utf-8").rstrip("\r\n")
    if not password:
        raise StaffUsageError("the password is empty")
    return password


def _print_history(history: list[dict]) -> None:
    print("history:")
    for entry in history:
        who = f"{entry['actor_kind']}:{entry['actor']}"
        fields = ", ".join(sorted(entry["changes"]))
        print(f"  {entry['at']}  {entry['action']:<7} {entry['entity']:<9} {who}  {fields}")


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")
