"""`orderb2b projects|discussions`: the discussion board (M-101) from the shell.

The shell acts as an administrator, recorded as `cli:<login>`: it sees every
discussion and may change any project and any discussion's status. `--as USERNAME`
lists or shows what that (active) staff member sees instead.
"""

from __future__ import annotations

import getpass
import json
import mimetypes
from pathlib import Path

from core import commands
from core.model.attachments import MAX_BYTES
from core.model.discussions import MAX_ATTACHMENTS, STATUSES
from core.ports import Actor
from hub.cli_errors import CliUsageError


def add_parsers(commands_parser, app_factory) -> None:
    """Adds the projects and discussions commands."""
    _project_parsers(commands_parser, app_factory)
    _discussion_parsers(commands_parser, app_factory)


def _project_parsers(commands_parser, app_factory) -> None:
    projects = commands_parser.add_parser("projects", help="projects and their members")
    verbs = projects.add_subparsers(dest="projects", required=True)
    listing = verbs.add_parser("list", help="projects by code")
    listing.add_argument("--archived", action="store_true", help="archived ones too")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list_projects(args, app_factory))
    show = verbs.add_parser("show", help="one project: members, discussions, history")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show_project(args, app_factory))
    add = verbs.add_parser("add", help="a new project")
    add.add_argument("code", help="letters, digits, - and _, at most 32")
    add.add_argument("name")
    add.add_argument("--description")
    add.set_defaults(action=lambda args: _add_project(args, app_factory))
    change = verbs.add_parser("set", help="change a project's name or description, or archive it")
    change.add_argument("code")
    change.add_argument("--name")
    change.add_argument("--description", help='"" clears it')
    archived = change.add_mutually_exclusive_group()
    archived.add_argument("--archive", action="store_const", const=True, dest="archived")
    archived.add_argument("--unarchive", action="store_const", const=False, dest="archived")
    change.set_defaults(action=lambda args: _change_project(args, app_factory))
    members = verbs.add_parser("members", help="add or remove a project's members")
    members.add_argument("code")
    members.add_argument("--add", action="append", default=[], metavar="USER", help="(repeat)")
    members.add_argument("--remove", action="append", default=[], metavar="USER", help="(repeat)")
    members.set_defaults(action=lambda args: _members(args, app_factory))


def _discussion_parsers(commands_parser, app_factory) -> None:
    discussions = commands_parser.add_parser("discussions", help="discussions among staff")
    verbs = discussions.add_subparsers(dest="discussions", required=True)
    listing = verbs.add_parser("list", help="discussions, newest first")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--project", metavar="CODE")
    listing.add_argument("--mine", action="store_true", help="only those USER takes part in")
    listing.add_argument("--after", metavar="NUMBER", help="continue after this discussion")
    listing.add_argument("--limit", type=int, default=100)
    _viewer_options(listing)
    listing.set_defaults(action=lambda args: _list_discussions(args, app_factory))
    show = verbs.add_parser("show", help="one discussion: participants, messages, tasks, history")
    show.add_argument("number")
    _viewer_options(show)
    show.set_defaults(action=lambda args: _show_discussion(args, app_factory))
    start = verbs.add_parser("start", help="start a discussion")
    start.add_argument("subject")
    start.add_argument("--project", metavar="CODE")
    start.add_argument("--message", metavar="TEXT", help="the first message")
    start.add_argument("--invite", nargs="+", action="extend", default=[], metavar="USER")
    start.set_defaults(action=lambda args: _start(args, app_factory))
    post = verbs.add_parser("post", help="post a message")
    post.add_argument("number")
    post.add_argument("text")
    post.add_argument("--attach", action="append", default=[], type=Path, metavar="FILE")
    post.set_defaults(action=lambda args: _post(args, app_factory))
    status = verbs.add_parser("status", help="change a discussion's status")
    status.add_argument("number")
    status.add_argument("status", choices=STATUSES)
    status.set_defaults(action=lambda args: _status(args, app_factory))
    invite = verbs.add_parser("invite", help="invite active staff to a discussion")
    invite.add_argument("number")
    invite.add_argument("users", nargs="+", metavar="USER")
    invite.set_defaults(action=lambda args: _invite(args, app_factory))


def _viewer_options(parser) -> None:
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="as this staff member")
    parser.add_argument("--json", action="store_true")


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")


def _viewer(app, username: str | None) -> tuple[str, bool]:
    """(who views, whether as an administrator): the operator, or an active staff member."""
    if username is None:
        return _actor().name, True
    from core.storage.staff_queries import staff_detail

    staff = staff_detail(app.engine, username)
    if not staff["active"]:
        raise CliUsageError(f"staff member {username} is disabled")
    return username, staff["is_admin"]


def _list_projects(args, app_factory) -> int:
    from core.storage.discussion_queries import list_projects

    found = list_projects(app_factory().engine, include_archived=args.archived)
    if args.json:
        return _print_json(found)
    print(f"{'CODE':<16} {'MEMBERS':>7} {'DISCUSSIONS':>11} NAME")
    for p in found:
        archived = " (archived)" if p["archived"] else ""
        print(f"{p['code']:<16} {p['members']:>7} {p['discussions']:>11} {p['name']}{archived}")
    return 0


def _show_project(args, app_factory) -> int:
    from core.storage.discussion_queries import project_detail

    detail = project_detail(app_factory().engine, args.code, _actor().name, is_admin=True)
    if args.json:
        return _print_json(detail)
    archived = "  [archived]" if detail["archived"] else ""
    print(f"Project {detail['code']}: {detail['name']}{archived}")
    print(f"  made by {detail['created_by']} at {detail['created_at'][:19]}")
    if detail["description"]:
        print(f"  {detail['description']}")
    members = [m["username"] for m in detail["members"] if m["active"]]
    print(f"  members: {', '.join(members) or '-'}")
    _discussion_lines(detail["discussions"])
    return 0


def _add_project(args, app_factory) -> int:
    command = commands.AddProject(args.code, args.name, args.description)
    print(app_factory().bus.execute(command, _actor()))
    return 0


def _change_project(args, app_factory) -> int:
    command = commands.ChangeProject(
        args.code, args.name, args.description, args.archived, actor_is_admin=True
    )
    changed = app_factory().bus.execute(command, _actor())
    print(", ".join(changed) if changed else "nothing changed")
    return 0


def _members(args, app_factory) -> int:
    from core.storage.discussion_queries import project_detail

    if not args.add and not args.remove:
        raise CliUsageError("name someone to --add or --remove")
    app = app_factory()
    command = commands.ChangeProjectMembers(
        args.code, tuple(args.add), tuple(args.remove), actor_is_admin=True
    )
    app.bus.execute(command, _actor())
    detail = project_detail(app.engine, args.code, _actor().name, is_admin=True)
    members = [m["username"] for m in detail["members"] if m["active"]]
    print(f"{detail['code']} members: {', '.join(members) or '-'}")
    return 0


def _list_discussions(args, app_factory) -> int:
    from core.storage.discussion_queries import list_discussions

    if args.limit < 1:
        raise CliUsageError("--limit must be 1 or more")
    app = app_factory()
    viewer, is_admin = _viewer(app, args.as_user)
    found = list_discussions(
        app.engine,
        viewer,
        is_admin=is_admin,
        status=args.status,
        project=args.project,
        mine=args.mine,
        after=args.after,
        limit=args.limit,
    )
    if args.json:
        return _print_json(found)
    _discussion_lines(found)
    return 0


def _discussion_lines(found: list[dict]) -> None:
    print(f"{'NUMBER':<12} {'STATUS':<9} {'PROJECT':<16} {'MESSAGES':>8} {'LAST':<19} SUBJECT")
    for d in found:
        last = (d["last_message_at"] or "-")[:19]
        print(
            f"{d['number']:<12} {d['status']:<9} {d['project'] or '-':<16}"
            f" {d['messages']:>8} {last:<19} {d['subject']}"
        )


def _show_discussion(args, app_factory) -> int:
    from core.storage.discussion_queries import discussion_detail

    app = app_factory()
    viewer, is_admin = _viewer(app, args.as_user)
    detail = discussion_detail(app.engine, args.number, viewer, is_admin=is_admin)
    if args.json:
        return _print_json(detail)
    project = detail["project"]
    print(f"{detail['number']}  [{detail['status']}]  {detail['subject']}")
    print(f"  project: {project['code'] + ' ' + project['name'] if project else '-'}")
    print(f"  started by {detail['created_by']} at {detail['created_at'][:19]}")
    for p in detail["participants"]:
        state = "" if p["active"] else " (left)"
        mail = "mail" if p["notify"] else "no mail"
        print(f"  participant {p['username']} ({p['role']}, {mail}){state}")
    for task in detail["tasks"]:
        print(f"  task {task['number']} [{task['status']}] {task['title']}")
    for m in detail["messages"]:
        print(f"\n  {m['created_at'][:19]}  {m['author']}:")
        for line in m["body"].splitlines():
            print(f"    {line}")
        for about in m["attachments"]:
            print(f"    [{about['id']}] {about['filename']} ({about['size']} bytes)")
    return 0


def _start(args, app_factory) -> int:
    command = commands.StartDiscussion(args.subject, args.project, args.message, tuple(args.invite))
    print(app_factory().bus.execute(command, _actor()))
    return 0


def _post(args, app_factory) -> int:
    files = _read_files(args.attach)
    command = commands.PostDiscussionMessage(
        args.number, args.text, attachments=files, actor_is_admin=True
    )
    print(f"message {app_factory().bus.execute(command, _actor())} posted on {args.number}")
    return 0


def _read_files(paths: list[Path]) -> tuple[tuple[str, str, bytes], ...]:
    if len(paths) > MAX_ATTACHMENTS:
        raise CliUsageError(f"at most {MAX_ATTACHMENTS} files: --attach fewer")
    total = sum(path.stat().st_size for path in paths)
    if total > MAX_BYTES:
        raise CliUsageError(f"the files come to {total} bytes; at most {MAX_BYTES} are taken")
    return tuple(
        (path.name, mimetypes.guess_type(path.name)[0] or "", path.read_bytes()) for path in paths
    )


def _status(args, app_factory) -> int:
    command = commands.ChangeDiscussionStatus(args.number, args.status, actor_is_admin=True)
    app_factory().bus.execute(command, _actor())
    print(f"{args.number} {args.status}")
    return 0


def _invite(args, app_factory) -> int:
    command = commands.InviteToDiscussion(args.number, tuple(args.users), actor_is_admin=True)
    invited = app_factory().bus.execute(command, _actor())
    print(f"invited: {', '.join(invited)}" if invited else "everyone named takes part already")
    return 0


def _print_json(value) -> int:
    print(json.dumps(value, indent=2, default=str))
    return 0
