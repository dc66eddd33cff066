"""/api/v1 tasks for staff (M-100): the task list, one task, adding, editing,
statuses and assigning; and the tasks of an order, a quote, an RMA or a discussion.

Everything needs "collaborate". An order, quote or RMA outside the caller's customer
groups, and a discussion the caller does not see, is not found, and so are its tasks
(the task list leaves them out).
Only a discussion's creator (or an administrator) adds and assigns its tasks: 403.
"""

from __future__ import annotations

from core import commands
from core.model.tasks import DOCUMENT_KINDS, PRIORITIES, STATUSES, NotAllowed
from core.storage import task_queries
from hub.api.bodies import flag_field, scope_of, text_field
from hub.api.common import LIMIT, BadQuery, Route, actor_of, date_field, limit_of

PERMISSION = "collaborate"
NULLABLE_TEXT = {"type": ["string", "null"]}
TASK_FIELDS = (
    ("title", "one line, at most 200 characters"),
    ("description", "at most 10,000 characters", NULLABLE_TEXT),
    ("priority", f"one of {', '.join(PRIORITIES)} (default normal)"),
    ("assignee", "the username of an active staff member", NULLABLE_TEXT),
    ("due_on", "YYYY-MM-DD", NULLABLE_TEXT),
)
DOCUMENT_FIELDS = (
    ("document_kind", f"the task is on a: {', '.join(DOCUMENT_KINDS)}"),
    ("document_number", "that document's number"),
)
EDIT_FIELDS = (
    *(field for field in TASK_FIELDS if field[0] != "assignee"),
    ("archived", "true archives the task, false brings it back", {"type": "boolean"}),
)
# The document routes: path segment -> kind.
DOCUMENT_PATHS = {"orders": "order", "quotes": "quote", "rmas": "rma", "discussions": "discussion"}


def _choice(value: str | None, name: str, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise BadQuery(f"{name} must be one of {', '.join(choices)}")
    return value


def _query_flag(query: dict, name: str) -> bool:
    value = query.get(name, "false")
    if value not in ("true", "false"):
        raise BadQuery(f"{name} must be true or false")
    return value == "true"


def _execute(app, principal, command):
    try:
        return app.bus.execute(command, actor_of(principal))
    except NotAllowed as error:
        from hub.api.resource import Problem  # the resource imports these routes

        raise Problem(403, str(error)) from None


def _seer(principal) -> dict:
    """Whose view of documents a task list or a task is limited to."""
    return {"groups": scope_of(principal), "viewer": _viewer(principal)}


def _viewer(principal) -> str | None:
    return None if principal.is_admin else principal.username


def _check_document(app, principal, kind: str, number: str) -> None:
    task_queries.check_document(app.engine, kind, number, **_seer(principal))


def _detail(app, principal, number: str) -> dict:
    return task_queries.task_detail(app.engine, number, **_seer(principal))


def list_tasks(app, principal, params, query):
    assignee = query.get("assignee")
    if _query_flag(query, "mine"):
        if assignee not in (None, principal.username):
            raise BadQuery("mine=true lists your own tasks: leave assignee out")
        assignee = principal.username
    limit = limit_of(query)
    found = task_queries.list_tasks(
        app.engine,
        status=_choice(query.get("status"), "status", STATUSES),
        assignee=assignee,
        created_by=query.get("created_by"),
        document_kind=_choice(query.get("document_kind"), "document_kind", DOCUMENT_KINDS),
        document_number=query.get("document_number"),
        open_only=_query_flag(query, "open"),
        overdue=_query_flag(query, "overdue"),
        archived=_query_flag(query, "archived"),
        after=query.get("after"),
        limit=limit,
        **_seer(principal),
    )
    following = found[-1]["number"] if len(found) == limit else None
    return 200, {"tasks": found, "next": following}


def _add(app, principal, body: dict, kind: str | None, number: str | None):
    _choice(kind, "document_kind", DOCUMENT_KINDS)
    if bool(kind) != bool(number):
        raise BadQuery("a task's document needs both document_kind and document_number")
    if kind:
        _check_document(app, principal, kind, number)
    title = text_field(body, "title", size=1000)
    if not title or not title.strip():
        raise BadQuery("title is needed")
    command = commands.AddTask(
        title,
        description=text_field(body, "description", size=20_000),
        priority=_choice(text_field(body, "priority"), "priority", PRIORITIES) or "normal",
        assignee=text_field(body, "assignee", size=64),
        due_on=date_field(body, "due_on"),
        document_kind=kind,
        document_number=number,
        actor_is_admin=principal.is_admin,
    )
    task = _execute(app, principal, command)
    return 201, _detail(app, principal, task)


def add_task(app, principal, params, query, body):
    kind = text_field(body, "document_kind", size=32)
    return _add(app, principal, body, kind, text_field(body, "document_number", size=64))


def show_task(app, principal, params, query):
    return 200, _detail(app, principal, params["number"])


def edit_task(app, principal, params, query, body):
    values = {}
    for name in ("title", "description", "priority"):
        if name in body:
            values[name] = text_field(body, name, size=20_000)
    _choice(values.get("priority"), "priority", PRIORITIES)
    if "due_on" in body:
        values["due_on"] = date_field(body, "due_on")
    if "archived" in body:
        values["archived"] = flag_field(body, "archived")
    if not values:
        raise BadQuery(f"nothing to change: give one of {', '.join(f[0] for f in EDIT_FIELDS)}")
    _detail(app, principal, params["number"])
    _execute(app, principal, commands.EditTask(params["number"], values))
    return 200, task_queries.task_detail(app.engine, params["number"])


def change_status(app, principal, params, query, body):
    status = _choice(text_field(body, "status"), "status", STATUSES)
    if status is None:
        raise BadQuery(f"status is needed: one of {', '.join(STATUSES)}")
    _detail(app, principal, params["number"])
    _execute(app, principal, commands.ChangeTaskStatus(params["number"], status))
    return 200, task_queries.task_detail(app.engine, params["number"])


def assign(app, principal, params, query, body):
    if "assignee" not in body:
        raise BadQuery("assignee is needed: a staff member's username, or null for nobody")
    assignee = text_field(body, "assignee", size=64)
    _detail(app, principal, params["number"])
    command = commands.AssignTask(params["number"], assignee, principal.is_admin)
    _execute(app, principal, command)
    # The task as changed, though giving it away may take it out of the caller's sight.
    return 200, task_queries.task_detail(app.engine, params["number"])


def _document_lister(kind: str):
    def tasks_of(app, principal, params, query):
        _check_document(app, principal, kind, params["number"])
        archived = _query_flag(query, "archived")
        found = task_queries.tasks_of(app.engine, kind, params["number"], archived=archived)
        return 200, {"tasks": found}

    return tasks_of


def _document_adder(kind: str):
    def add_on(app, principal, params, query, body):
        return _add(app, principal, body, kind, params["number"])

    return add_on


def _document_routes() -> list[Route]:
    routes = []
    for path, kind in DOCUMENT_PATHS.items():
        name = "RMA" if kind == "rma" else kind
        base = f"/api/v1/{path}/{{number}}/tasks"
        routes.append(
            Route(
                "GET",
                base,
                PERMISSION,
                f"The tasks on a {name}, newest first",
                _document_lister(kind),
                (("archived", "true: the archived tasks instead"),),
            )
        )
        creator = (
            " (a discussion's creator or an administrator only)" if kind == "discussion" else ""
        )
        routes.append(
            Route(
                "POST",
                base,
                PERMISSION,
                f"A new task on a {name}{creator}",
                _document_adder(kind),
                status=201,
                body=TASK_FIELDS,
            )
        )
    return routes


TASK = "/api/v1/tasks/{number}"
TASK_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/tasks",
        PERMISSION,
        "Tasks, newest first; `next` continues",
        list_tasks,
        (
            ("status", f"one of {', '.join(STATUSES)}"),
            ("mine", "true: the tasks assigned to you"),
            ("assignee", "assigned to this username"),
            ("created_by", "added by this username"),
            ("document_kind", f"on a: {', '.join(DOCUMENT_KINDS)}"),
            ("document_number", "on the document with this number"),
            ("open", "true: open, in progress or waiting"),
            ("overdue", "true: not done nor cancelled, and due before today"),
            ("archived", "true: the archived tasks instead"),
            ("after", "continue after this task number"),
            LIMIT,
        ),
    ),
    Route(
        "POST",
        "/api/v1/tasks",
        PERMISSION,
        "A new task, on a document or on nothing; its assignee is told by email",
        add_task,
        status=201,
        body=(*TASK_FIELDS, *DOCUMENT_FIELDS),
    ),
    Route("GET", TASK, PERMISSION, "One task with its history", show_task),
    Route(
        "POST",
        TASK,
        PERMISSION,
        "Change a task's title, description, priority or due date, or archive it",
        edit_task,
        body=EDIT_FIELDS,
    ),
    Route(
        "POST",
        TASK + "/status",
        PERMISSION,
        "Move a task to another status; its assignee and creator are told by email",
        change_status,
        body=(("status", f"one of {', '.join(STATUSES)}"),),
    ),
    Route(
        "POST",
        TASK + "/assign",
        PERMISSION,
        "Give a task to a staff member, or to nobody (null)",
        assign,
        body=(("assignee", "an active staff member's username, or null", NULLABLE_TEXT),),
    ),
    *_document_routes(),
)
