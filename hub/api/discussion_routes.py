"""/api/v1 the discussion board (M-101): projects, with the staff assigned to them,
and discussions among staff, with participants, status, messages and their files.

Every route needs "collaborate". A discussion the caller may not see is not found
(404); one they see but may not change in that way is forbidden (403).
"""

from __future__ import annotations

import base64
import binascii

from core import commands
from core.model.attachments import MAX_BYTES
from core.model.discussions import MAX_ATTACHMENTS, STATUSES, NotAllowed
from core.storage import discussion_queries as queries
from hub.api.bodies import flag_field as _flag
from hub.api.bodies import path_number as _number
from hub.api.bodies import text_field as _text
from hub.api.common import LIMIT, BadQuery, Raw, Route, actor_of, limit_of

PERMISSION = "collaborate"
NAMES = {"type": "array", "items": {"type": "string"}}
BOOLEAN = {"type": "boolean"}
FILES = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "filename": {"type": "string"},
            "content_type": {"type": "string"},
            "content_base64": {"type": "string"},
        },
    },
}
# Files a browser would run rather than show are sent as plain bytes.
ACTIVE_CONTENT = frozenset(
    (
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    )
)
# The body of a message with its files: base64 makes them a third larger.
MAX_MESSAGE_BODY = (MAX_BYTES // 3 + 1) * 4 + 1024 * 1024


def _execute(app, principal, command):
    try:
        return app.bus.execute(command, actor_of(principal))
    except NotAllowed as refused:
        from hub.api.resource import Problem  # the resource imports these routes

        raise Problem(403, str(refused)) from None


def _required(body: dict, name: str, size: int) -> str:
    value = _text(body, name, size=size)
    if value is None:
        raise BadQuery(f"{name} is needed")
    return value


def _names(body: dict, name: str) -> tuple[str, ...]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadQuery(f"{name} must be a list of usernames")
    return tuple(value)


def _files(body: dict) -> tuple[tuple[str, str, bytes], ...]:
    value = body.get("attachments", [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise BadQuery("attachments must be a list of {filename, content_type, content_base64}")
    if len(value) > MAX_ATTACHMENTS:
        raise BadQuery(f"a message takes at most {MAX_ATTACHMENTS} attachments")
    return tuple(
        (
            _text(item, "filename", size=1000) or "attachment",
            _text(item, "content_type", size=200) or "",
            _decoded(item),
        )
        for item in value
    )


def _decoded(item: dict) -> bytes:
    encoded = item.get("content_base64")
    if not isinstance(encoded, str):
        raise BadQuery("each attachment needs content_base64 (its bytes, base64-encoded)")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise BadQuery("content_base64 is not base64") from None


def _detail(app, principal, number: str) -> dict:
    return queries.discussion_detail(
        app.engine, number, principal.username, is_admin=principal.is_admin
    )


def _project(app, principal, code: str) -> dict:
    return queries.project_detail(app.engine, code, principal.username, is_admin=principal.is_admin)


def list_projects(app, principal, params, query):
    archived = query.get("archived") == "true"
    return 200, {"projects": queries.list_projects(app.engine, include_archived=archived)}


def add_project(app, principal, params, query, body):
    command = commands.AddProject(
        _required(body, "code", 100),
        _required(body, "name", 1000),
        _text(body, "description", size=20_000),
    )
    return 201, _project(app, principal, _execute(app, principal, command))


def show_project(app, principal, params, query):
    return 200, _project(app, principal, params["code"])


def change_project(app, principal, params, query, body):
    archived = _flag(body, "archived") if "archived" in body else None
    command = commands.ChangeProject(
        params["code"],
        name=_text(body, "name", size=1000),
        description=_text(body, "description", size=20_000),
        archived=archived,
        actor_is_admin=principal.is_admin,
    )
    _execute(app, principal, command)
    return 200, _project(app, principal, params["code"])


def change_members(app, principal, params, query, body):
    command = commands.ChangeProjectMembers(
        params["code"], _names(body, "add"), _names(body, "remove"), principal.is_admin
    )
    _execute(app, principal, command)
    return 200, _project(app, principal, params["code"])


def list_discussions(app, principal, params, query):
    status = query.get("status")
    if status is not None and status not in STATUSES:
        raise BadQuery(f"status must be one of {', '.join(STATUSES)}")
    limit = limit_of(query)
    found = queries.list_discussions(
        app.engine,
        principal.username,
        is_admin=principal.is_admin,
        status=status,
        project=query.get("project"),
        mine=query.get("mine") == "true",
        after=query.get("after"),
        limit=limit,
    )
    following = found[-1]["number"] if len(found) == limit else None
    return 200, {"discussions": found, "next": following}


def start_discussion(app, principal, params, query, body):
    command = commands.StartDiscussion(
        _required(body, "subject", 1000),
        project=_text(body, "project", size=100),
        body=_text(body, "body", size=100_000),
        invite=_names(body, "invite"),
    )
    return 201, _detail(app, principal, _execute(app, principal, command))


def show_discussion(app, principal, params, query):
    return 200, _detail(app, principal, params["number"])


def post_message(app, principal, params, query, body):
    command = commands.PostDiscussionMessage(
        params["number"],
        _required(body, "body", 100_000),
        attachments=_files(body),
        actor_is_admin=principal.is_admin,
    )
    message_id = _execute(app, principal, command)
    return 201, {**_detail(app, principal, params["number"]), "message_id": message_id}


def change_status(app, principal, params, query, body):
    status = body.get("status")
    if status not in STATUSES:
        raise BadQuery(f"status must be one of {', '.join(STATUSES)}")
    command = commands.ChangeDiscussionStatus(params["number"], status, principal.is_admin)
    _execute(app, principal, command)
    return 200, _detail(app, principal, params["number"])


def invite(app, principal, params, query, body):
    usernames = _names(body, "invite")
    if not usernames:
        raise BadQuery("invite: name at least one staff member")
    command = commands.InviteToDiscussion(params["number"], usernames, principal.is_admin)
    invited = _execute(app, principal, command)
    return 200, {**_detail(app, principal, params["number"]), "invited": invited}


def leave(app, principal, params, query):
    command = commands.LeaveDiscussion(params["number"], principal.is_admin)
    _execute(app, principal, command)
    return 200, {"number": params["number"], "left": True}


def set_notify(app, principal, params, query, body):
    notify = body.get("notify")
    if not isinstance(notify, bool):
        raise BadQuery("notify must be true or false")
    command = commands.SetDiscussionNotify(params["number"], notify, principal.is_admin)
    _execute(app, principal, command)
    return 200, _detail(app, principal, params["number"])


def attachment(app, principal, params, query):
    filename, content_type, content = queries.attachment_of(
        app.engine,
        params["number"],
        _number(params["id"], "attachment"),
        principal.username,
        principal.is_admin,
    )
    served = "application/octet-stream" if content_type in ACTIVE_CONTENT else content_type
    return 200, Raw(served, content, filename)


PROJECT = "/api/v1/projects/{code}"
DISCUSSION = "/api/v1/discussions/{number}"
PROJECT_FIELDS = (
    ("name", "what the project is called"),
    ("description", "what it is about"),
)
DISCUSSION_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/projects",
        PERMISSION,
        "Projects by code, with their active members and discussions counted",
        list_projects,
        (("archived", "true: archived ones too"),),
    ),
    Route(
        "POST",
        "/api/v1/projects",
        PERMISSION,
        "A new project, made by the caller (who, or an administrator, changes it later)",
        add_project,
        status=201,
        body=(("code", "letters, digits, - and _, at most 32; kept upper-case"), *PROJECT_FIELDS),
    ),
    Route(
        "GET",
        PROJECT,
        PERMISSION,
        "One project: members, the discussions in it the caller sees, history",
        show_project,
    ),
    Route(
        "POST",
        PROJECT,
        PERMISSION,
        'Change a project\'s name, description ("" clears it) or archived flag;'
        " by its creator or an administrator",
        change_project,
        body=(*PROJECT_FIELDS, ("archived", "true archives it, false brings it back", BOOLEAN)),
    ),
    Route(
        "POST",
        PROJECT + "/members",
        PERMISSION,
        "Add active staff to a project, or remove members (kept, inactive); by its creator"
        " or an administrator. Members see all the project's discussions",
        change_members,
        body=(("add", "usernames", NAMES), ("remove", "usernames", NAMES)),
    ),
    Route(
        "GET",
        "/api/v1/discussions",
        PERMISSION,
        "The discussions the caller sees, newest first, with message counts; `next` continues",
        list_discussions,
        (
            ("status", f"one of {', '.join(STATUSES)}"),
            ("project", "a project's code"),
            ("mine", "true: only those the caller takes part in"),
            ("after", "continue after this discussion"),
            LIMIT,
        ),
    ),
    Route(
        "POST",
        "/api/v1/discussions",
        PERMISSION,
        "Start a discussion (the caller is its creator), in a project or none, with staff"
        " invited and a first message",
        start_discussion,
        status=201,
        body=(
            ("subject", "one line, at most 300 characters"),
            ("project", "a project's code: its members see the discussion"),
            ("body", "the first message"),
            ("invite", "usernames of active staff", NAMES),
        ),
    ),
    Route(
        "GET",
        DISCUSSION,
        PERMISSION,
        "One discussion: project, participants, messages oldest first with their files,"
        " tasks, history",
        show_discussion,
    ),
    Route(
        "POST",
        DISCUSSION + "/messages",
        PERMISSION,
        "Post a message (with files) on a discussion that is not closed; a project member"
        " who posts takes part from then on",
        post_message,
        status=201,
        body=(
            ("body", "the message, at most 20,000 characters"),
            ("attachments", "files: {filename, content_type, content_base64}", FILES),
        ),
        max_body=MAX_MESSAGE_BODY,
    ),
    Route(
        "POST",
        DISCUSSION + "/status",
        PERMISSION,
        "Change a discussion's status; by its creator or an administrator",
        change_status,
        body=(("status", f"one of {', '.join(STATUSES)}"),),
    ),
    Route(
        "POST",
        DISCUSSION + "/participants",
        PERMISSION,
        "Invite active staff (any participant may); someone who left takes part again",
        invite,
        body=(("invite", "usernames", NAMES),),
    ),
    Route(
        "POST",
        DISCUSSION + "/leave",
        PERMISSION,
        "Stop taking part in a discussion (its creator cannot)",
        leave,
    ),
    Route(
        "POST",
        DISCUSSION + "/notify",
        PERMISSION,
        "Whether the caller is emailed about new messages",
        set_notify,
        body=(("notify", "true or false", BOOLEAN),),
    ),
    Route(
        "GET",
        DISCUSSION + "/attachments/{id}",
        PERMISSION,
        "A file of one of the discussion's messages, as it was posted",
        attachment,
        media_types=("application/octet-stream",),
    ),
)
