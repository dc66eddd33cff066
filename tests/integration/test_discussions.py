"""The discussion board (M-101, history M-130) through /api/v1 on both databases:
projects and their members, who sees a discussion (and that nobody else learns it
exists), messages with files downloaded byte for byte, status by its creator or an
administrator, a closed discussion refusing messages, the events the mail code reads
from the outbox, history, and the paths the mail code uses (a message that came by
email, who is told of a new message)."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import DBAPIError

from core import commands
from core.errors import NotFound
from core.ports import SYSTEM, Actor
from core.storage import discussion_queries, tables
from hub.bootstrap import bootstrap
from hub.config import Config
from tests.api_client import ApiClient

DISCUSSIONS = "/api/v1/discussions"
PROJECTS = "/api/v1/projects"
# Not UTF-8, not text: the download must give back these very bytes.
DRAWING = b"%PDF-1.4\n\x00\xff\xfe rack drawing \x80\x81\r\n%%EOF"
MAIL = (
    b"From: Bob <bob@acme-supply.example>\r\n"
    b"To: discussions@localhost\r\n"
    b"Subject: Re: [DISC000001] Pallet sizes\r\n"
    b"Message-ID: <reply-1@acme-supply.example>\r\n"
    b"\r\n"
    b"Euro pallets it is.\r\n"
)


@pytest.fixture
def app(database_url, data_dir):
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    yield app
    app.close()


@pytest.fixture
def api(app):
    return ApiClient(app)


@pytest.fixture
def staff(api):
    """Tokens: alice starts discussions, bob is invited, carol is in the project,
    dave is nobody's, root is an administrator."""
    return {
        "alice": api.token("alice", "salesperson"),
        "bob": api.token("bob", "warehouse"),
        "carol": api.token("carol", "accounting"),
        "dave": api.token("dave", "purchasing"),
        "root": api.token("root", is_admin=True),
    }


@pytest.fixture
def number(api, staff):
    """A discussion alice started in project Q3-LAUNCH (carol a member), bob invited."""
    status, _ = api.post(PROJECTS, staff["alice"], {"code": "q3-launch", "name": "Q3 launch"})
    assert status == 201
    api.post(f"{PROJECTS}/Q3-LAUNCH/members", staff["alice"], {"add": ["carol"]})
    status, started = api.post(
        DISCUSSIONS,
        staff["alice"],
        {
            "subject": "Pallet sizes for the Reno show",
            "project": "q3-launch",
            "body": "Which pallets do we ship on?",
            "invite": ["bob"],
        },
    )
    assert status == 201, started
    return started["number"]


def outbox(app, routing_key: str) -> list[dict]:
    with app.engine.connect() as connection:
        payloads = connection.execute(
            select(tables.outbox.c.payload)
            .where(tables.outbox.c.routing_key == routing_key)
            .order_by(tables.outbox.c.id)
        ).scalars()
        return [json.loads(payload) for payload in payloads]


def file(name: str, content_type: str, content: bytes) -> dict:
    encoded = base64.b64encode(content).decode()
    return {"filename": name, "content_type": content_type, "content_base64": encoded}


def test_a_discussion_is_started_with_its_first_message(api, staff, number):
    assert number == "DISC000001"
    status, detail = api.get(f"{DISCUSSIONS}/{number}", staff["alice"])
    assert status == 200
    assert (detail["subject"], detail["status"], detail["created_by"]) == (
        "Pallet sizes for the Reno show",
        "open",
        "alice",
    )
    assert detail["project"] == {"code": "Q3-LAUNCH", "name": "Q3 launch"}
    assert [
        (p["username"], p["role"], p["notify"], p["active"]) for p in detail["participants"]
    ] == [
        ("alice", "creator", True, True),
        ("bob", "invited", True, True),
    ]
    assert [(m["author"], m["author_kind"], m["body"]) for m in detail["messages"]] == [
        ("alice", "staff", "Which pallets do we ship on?")
    ]
    assert detail["tasks"] == []


def test_who_sees_a_discussion_and_nobody_else_learns_it_exists(api, staff, number):
    for who in ("alice", "bob", "carol", "root"):
        status, detail = api.get(f"{DISCUSSIONS}/{number}", staff[who])
        assert (status, detail["number"]) == (200, number), who
        status, listing = api.get(DISCUSSIONS, staff[who])
        assert [d["number"] for d in listing["discussions"]] == [number], who
    status, problem = api.get(f"{DISCUSSIONS}/{number}", staff["dave"])
    assert (status, problem["detail"]) == (404, f"no discussion {number}")
    assert api.get(f"{DISCUSSIONS}/DISC999999", staff["dave"])[1]["detail"] == (
        "no discussion DISC999999"
    ), "the same answer as for one that does not exist"
    assert api.get(DISCUSSIONS, staff["dave"])[1]["discussions"] == []
    for path, body in (
        ("messages", {"body": "hello?"}),
        ("participants", {"invite": ["dave"]}),
        ("status", {"status": "closed"}),
        ("notify", {"notify": False}),
    ):
        assert api.post(f"{DISCUSSIONS}/{number}/{path}", staff["dave"], body)[0] == 404, path
    assert api.post(f"{DISCUSSIONS}/{number}/leave", staff["dave"])[0] == 404
    status, project = api.get(f"{PROJECTS}/Q3-LAUNCH", staff["dave"])
    assert (status, project["discussions"]) == (200, []), "the project is seen, not its talk"

    api.post(f"{PROJECTS}/Q3-LAUNCH/members", staff["alice"], {"remove": ["carol"]})
    assert api.get(f"{DISCUSSIONS}/{number}", staff["carol"])[0] == 404
    status, mine = api.get(f"{DISCUSSIONS}?mine=true", staff["root"])
    assert (status, mine["discussions"]) == (200, []), "root sees it but takes no part"
    status, mine = api.get(f"{DISCUSSIONS}?mine=true", staff["bob"])
    assert [d["number"] for d in mine["discussions"]] == [number]


def test_a_message_with_files_is_downloaded_byte_for_byte(app, api, staff, number):
    status, answer = api.post(
        f"{DISCUSSIONS}/{number}/messages",
        staff["carol"],
        {
            "body": "Here is the rack drawing.",
            "attachments": [
                file("rack.pdf", "application/pdf", DRAWING),
                file("notes.html", "text/html", b"<script>alert(1)</script>"),
            ],
        },
    )
    assert status == 201, answer
    message = answer["messages"][-1]
    assert (message["id"], message["author"], message["body"]) == (
        answer["message_id"],
        "carol",
        "Here is the rack drawing.",
    )
    assert [(a["filename"], a["content_type"], a["size"]) for a in message["attachments"]] == [
        ("rack.pdf", "application/pdf", len(DRAWING)),
        ("notes.html", "text/html", 25),
    ]
    carol = next(p for p in answer["participants"] if p["username"] == "carol")
    assert (carol["role"], carol["active"]) == ("member", True), "she takes part now"
    pdf, html = (a["id"] for a in message["attachments"])

    status, raw = api.get(f"{DISCUSSIONS}/{number}/attachments/{pdf}", staff["bob"])
    assert (status, raw.content, raw.media_type, raw.filename) == (
        200,
        DRAWING,
        "application/pdf",
        "rack.pdf",
    )
    status, raw = api.get(f"{DISCUSSIONS}/{number}/attachments/{html}", staff["root"])
    assert (status, raw.media_type) == (200, "application/octet-stream"), "never run by a browser"
    assert api.get(f"{DISCUSSIONS}/{number}/attachments/{pdf}", staff["dave"])[0] == 404
    assert api.get(f"{DISCUSSIONS}/{number}/attachments/999", staff["bob"])[0] == 404
    assert api.get(f"{DISCUSSIONS}/{number}/attachments/x", staff["bob"])[0] == 400
    with app.engine.connect() as connection:
        owners = connection.execute(
            select(tables.attachments.c.owner_kind, tables.attachments.c.owner_id)
        ).all()
    assert owners == [("discussion_message", message["id"])] * 2
    assert discussion_queries.message_of(app.engine, message["id"])["attachments"] == [
        {k: a[k] for k in ("id", "filename", "content_type", "size")}
        for a in message["attachments"]
    ]


def test_messages_and_files_are_checked(api, staff, number):
    base = f"{DISCUSSIONS}/{number}/messages"
    for body in (
        {},
        {"body": 42},
        {"body": "x", "attachments": "rack.pdf"},
        {"body": "x", "attachments": [{"filename": "a"}]},
        {"body": "x", "attachments": [{"filename": "a", "content_base64": "not base64!"}]},
    ):
        assert api.post(base, staff["alice"], body)[0] == 400, body
    status, problem = api.post(base, staff["alice"], {"body": "   "})
    assert (status, problem["detail"]) == (409, "a message needs some text")
    status, problem = api.post(base, staff["alice"], {"body": "x" * 20_001})
    assert status == 409 and "at most 20,000 characters" in problem["detail"]
    assert api.post(base, staff["alice"], {"body": "x" * 20_000})[0] == 201
    status, problem = api.post(
        base, staff["alice"], {"body": "x", "attachments": [file("a.txt", "text/plain", b"")]}
    )
    assert (status, problem["detail"]) == (409, "a.txt: the file is empty")


def test_status_is_changed_by_its_creator_or_an_administrator_and_closed_takes_no_posts(
    app, api, staff, number
):
    status_path = f"{DISCUSSIONS}/{number}/status"
    status, problem = api.post(status_path, staff["bob"], {"status": "closed"})
    assert (status, problem["title"]) == (403, "Forbidden")
    assert "only alice" in problem["detail"]
    assert api.post(status_path, staff["carol"], {"status": "closed"})[0] == 403
    assert api.post(status_path, staff["alice"], {"status": "finished"})[0] == 400
    status, detail = api.post(status_path, staff["alice"], {"status": "on_hold"})
    assert (status, detail["status"]) == (200, "on_hold")
    status, detail = api.post(status_path, staff["root"], {"status": "closed"})
    assert (status, detail["status"]) == (200, "closed")

    status, problem = api.post(f"{DISCUSSIONS}/{number}/messages", staff["bob"], {"body": "Hi"})
    assert (status, problem["detail"]) == (409, f"{number} is closed: it takes no more messages")
    status, _ = api.post(status_path, staff["alice"], {"status": "open"})
    assert api.post(f"{DISCUSSIONS}/{number}/messages", staff["bob"], {"body": "Hi"})[0] == 201
    api.post(status_path, staff["alice"], {"status": "open"})  # unchanged: no event
    assert outbox(app, "discussion.status_changed") == [
        {
            "discussion_number": number,
            "previous": "open",
            "status": "on_hold",
            "changed_by": "alice",
        },
        {
            "discussion_number": number,
            "previous": "on_hold",
            "status": "closed",
            "changed_by": "root",
        },
        {
            "discussion_number": number,
            "previous": "closed",
            "status": "open",
            "changed_by": "alice",
        },
    ]
    _, closed = api.get(f"{DISCUSSIONS}?status=open", staff["bob"])
    assert [d["number"] for d in closed["discussions"]] == [number]
    assert api.get(f"{DISCUSSIONS}?status=done", staff["bob"])[0] == 400


def test_participants_invite_leave_and_choose_their_mail(app, api, staff, number):
    base = f"{DISCUSSIONS}/{number}"
    status, problem = api.post(f"{base}/participants", staff["carol"], {"invite": ["dave"]})
    assert status == 403, "a project member who takes no part does not invite"
    status, answer = api.post(f"{base}/participants", staff["bob"], {"invite": ["dave", "alice"]})
    assert (status, answer["invited"]) == (200, ["dave"])
    status, problem = api.post(f"{base}/participants", staff["bob"], {"invite": ["nobody"]})
    assert (status, problem["detail"]) == (409, "nobody is not an active staff member")
    app.bus.execute(commands.DisableStaff("carol"), SYSTEM)
    assert api.post(f"{base}/participants", staff["bob"], {"invite": ["carol"]})[0] == 409
    assert api.post(f"{base}/participants", staff["bob"], {"invite": []})[0] == 400

    assert api.post(f"{base}/notify", staff["bob"], {"notify": "no"})[0] == 400
    status, detail = api.post(f"{base}/notify", staff["bob"], {"notify": False})
    bob = next(p for p in detail["participants"] if p["username"] == "bob")
    assert (status, bob["notify"]) == (200, False)
    assert discussion_queries.notify_list(app.engine, number) == ["alice", "dave"]
    assert discussion_queries.notify_list(app.engine, number, exclude="alice") == ["dave"]

    status, problem = api.post(f"{base}/leave", staff["alice"])
    assert (status, problem["detail"]) == (409, f"the creator of {number} cannot leave it")
    status, answer = api.post(f"{base}/leave", staff["dave"])
    assert (status, answer) == (200, {"number": number, "left": True})
    assert api.get(base, staff["dave"])[0] == 404, "who left no longer sees it"
    assert discussion_queries.notify_list(app.engine, number) == ["alice"]
    status, answer = api.post(f"{base}/participants", staff["alice"], {"invite": ["dave"]})
    assert (status, answer["invited"]) == (200, ["dave"])
    assert discussion_queries.notify_list(app.engine, number) == ["alice", "dave"]
    assert [e["username"] for e in outbox(app, "discussion.invited")] == ["bob", "dave", "dave"]


def test_events_for_the_mail_code(app, api, staff, number):
    status, answer = api.post(f"{DISCUSSIONS}/{number}/messages", staff["bob"], {"body": "Euro"})
    assert outbox(app, "discussion.started") == [
        {"discussion_number": number, "project_code": "Q3-LAUNCH", "started_by": "alice"}
    ]
    assert outbox(app, "discussion.invited") == [
        {"discussion_number": number, "username": "bob", "invited_by": "alice"}
    ]
    first, second = (m["id"] for m in answer["messages"])
    assert outbox(app, "discussion.message_posted") == [
        {"discussion_number": number, "message_id": first, "author": "alice"},
        {"discussion_number": number, "message_id": second, "author": "bob"},
    ]
    status, started = api.post(DISCUSSIONS, staff["dave"], {"subject": "Just me"})
    assert (status, started["project"], started["messages"]) == (201, None, [])
    assert outbox(app, "discussion.started")[-1] == {
        "discussion_number": "DISC000002",
        "project_code": None,
        "started_by": "dave",
    }


def test_the_history_of_a_discussion(api, staff, number):
    api.post(f"{DISCUSSIONS}/{number}/status", staff["alice"], {"status": "resolved"})
    api.post(f"{DISCUSSIONS}/{number}/notify", staff["bob"], {"notify": False})
    _, detail = api.get(f"{DISCUSSIONS}/{number}", staff["root"])
    entries = [(e["entity"], e["action"], e["actor"]) for e in detail["history"]]
    assert entries == [
        ("discussion", "create", "alice"),
        ("discussion_participant", "create", "alice"),
        ("discussion_participant", "create", "alice"),
        ("discussion_message", "create", "alice"),
        ("discussion", "update", "alice"),
        ("discussion_participant", "update", "bob"),
    ]
    assert detail["history"][0]["changes"]["subject"]["new"] == "Pallet sizes for the Reno show"
    assert detail["history"][4]["changes"] == {"status": {"old": "open", "new": "resolved"}}
    assert detail["history"][5]["changes"] == {"notify": {"old": True, "new": False}}


def test_a_message_that_came_by_email_is_posted_as_its_author(app, api, staff, number):
    mail_id, _new = app.bus.execute(commands.ReceiveMail("smtp", MAIL), SYSTEM)
    message_id = app.bus.execute(
        commands.PostDiscussionMessage(
            number,
            "Euro pallets it is.",
            attachments=(("plan.pdf", "application/pdf", DRAWING),),
            author="bob",
            inbound_mail_id=mail_id,
        ),
        SYSTEM,
    )
    message = discussion_queries.message_of(app.engine, message_id)
    assert {k: message[k] for k in ("discussion_number", "subject", "author", "body")} == {
        "discussion_number": number,
        "subject": "Pallet sizes for the Reno show",
        "author": "bob",
        "body": "Euro pallets it is.",
    }
    assert [(a["filename"], a["size"]) for a in message["attachments"]] == [
        ("plan.pdf", len(DRAWING))
    ]
    _, detail = api.get(f"{DISCUSSIONS}/{number}", staff["alice"])
    assert (detail["messages"][-1]["author"], detail["messages"][-1]["inbound_mail_id"]) == (
        "bob",
        mail_id,
    )
    assert outbox(app, "discussion.message_posted")[-1]["author"] == "bob"
    for outsider in ("dave", "nobody"):
        with pytest.raises(NotFound):
            app.bus.execute(
                commands.PostDiscussionMessage(number, "Let me in", author=outsider), SYSTEM
            )
    app.bus.execute(
        commands.PostDiscussionMessage(number, "Seen by an administrator", author="root"), SYSTEM
    )
    with pytest.raises(NotFound):
        discussion_queries.message_of(app.engine, 999_999)


def test_projects_are_kept_by_their_creator_or_an_administrator(api, staff, number):
    status, problem = api.post(PROJECTS, staff["bob"], {"code": "Q3-launch", "name": "Again"})
    assert (status, problem["detail"]) == (409, "there is a project Q3-LAUNCH already")
    assert api.post(PROJECTS, staff["bob"], {"code": "q3 launch", "name": "X"})[0] == 409
    assert api.post(PROJECTS, staff["bob"], {"code": "ok", "name": "  "})[0] == 409
    status, problem = api.post(f"{PROJECTS}/Q3-LAUNCH", staff["bob"], {"name": "Mine now"})
    assert (status, problem["title"]) == (403, "Forbidden")
    assert api.post(f"{PROJECTS}/Q3-LAUNCH/members", staff["carol"], {"add": ["dave"]})[0] == 403
    assert api.post(f"{PROJECTS}/NOPE/members", staff["alice"], {"add": ["dave"]})[0] == 404
    status, problem = api.post(f"{PROJECTS}/Q3-LAUNCH/members", staff["alice"], {"add": ["zed"]})
    assert (status, problem["detail"]) == (409, "zed is not an active staff member")
    assert api.post(f"{PROJECTS}/Q3-LAUNCH/members", staff["alice"], {"add": "dave"})[0] == 400

    status, project = api.post(
        f"{PROJECTS}/q3-launch", staff["root"], {"description": "Trade show stock"}
    )
    assert (status, project["description"]) == (200, "Trade show stock")
    status, project = api.post(
        f"{PROJECTS}/Q3-LAUNCH/members", staff["alice"], {"add": ["dave"], "remove": ["carol"]}
    )
    assert [(m["username"], m["active"]) for m in project["members"]] == [
        ("carol", False),
        ("dave", True),
    ]
    assert [d["number"] for d in project["discussions"]] == [number]
    assert api.get(f"{DISCUSSIONS}/{number}", staff["dave"])[0] == 200, "a member now"
    status, listing = api.get(PROJECTS, staff["bob"])
    assert [(p["code"], p["members"], p["discussions"]) for p in listing["projects"]] == [
        ("Q3-LAUNCH", 1, 1)
    ]
    status, project = api.post(f"{PROJECTS}/Q3-LAUNCH", staff["alice"], {"archived": True})
    assert (status, project["archived"]) == (200, True)
    assert api.get(PROJECTS, staff["bob"])[1]["projects"] == []
    assert len(api.get(f"{PROJECTS}?archived=true", staff["bob"])[1]["projects"]) == 1
    status, problem = api.post(
        DISCUSSIONS, staff["alice"], {"subject": "X", "project": "Q3-LAUNCH"}
    )
    assert (status, problem["detail"]) == (409, "project Q3-LAUNCH is archived")
    assert api.post(DISCUSSIONS, staff["alice"], {"subject": "X", "project": "NOPE"})[0] == 404
    changes = [(e["entity"], e["action"], sorted(e["changes"])) for e in project["history"]]
    assert ("project", "update", ["archived"]) in changes
    assert ("project_member", "update", ["active"]) in changes


def test_tasks_on_a_discussion_are_shown_with_it(app, api, staff, number):
    with app.engine.begin() as connection:
        discussion_id = connection.execute(
            select(tables.discussions.c.id).where(tables.discussions.c.number == number)
        ).scalar_one()
        now = connection.execute(select(tables.discussions.c.created_at)).scalar_one()
        connection.execute(
            insert(tables.tasks).values(
                number="TASK000001",
                title="Measure the truck",
                document_kind="discussion",
                document_id=discussion_id,
                document_number=number,
                status="open",
                priority="normal",
                assignee="bob",
                created_by="alice",
                created_at=now,
                updated_at=now,
            )
        )
    _, detail = api.get(f"{DISCUSSIONS}/{number}", staff["bob"])
    assert detail["tasks"] == [
        {
            "number": "TASK000001",
            "title": "Measure the truck",
            "status": "open",
            "assignee": "bob",
            "due_on": None,
        }
    ]


def test_listing_pages_newest_first_with_message_counts(api, staff, number):
    for n in range(3):
        api.post(DISCUSSIONS, staff["alice"], {"subject": f"Topic {n}", "body": "first"})
    api.post(f"{DISCUSSIONS}/{number}/messages", staff["bob"], {"body": "second"})
    _, page = api.get(f"{DISCUSSIONS}?limit=2", staff["alice"])
    assert [d["number"] for d in page["discussions"]] == ["DISC000004", "DISC000003"]
    assert page["next"] == "DISC000003"
    _, rest = api.get(f"{DISCUSSIONS}?after=DISC000003&limit=5", staff["alice"])
    assert [(d["number"], d["messages"]) for d in rest["discussions"]] == [
        ("DISC000002", 1),
        (number, 2),
    ]
    assert rest["next"] is None and rest["discussions"][1]["last_message_at"]
    _, in_project = api.get(f"{DISCUSSIONS}?project=q3-launch", staff["root"])
    assert [d["number"] for d in in_project["discussions"]] == [number]


def test_nothing_on_the_board_is_deleted(app, number):
    for table in (tables.discussion_messages, tables.discussion_participants, tables.projects):
        refused = pytest.raises(DBAPIError, match="records are archived")
        with refused, app.engine.begin() as connection:
            connection.execute(delete(table))
    assert len(discussion_queries.list_discussions(app.engine, "x", is_admin=True)) == 1


def test_the_cli_operator_is_an_administrator_by_command(app, number):
    operator = Actor("staff", "cli:ops")
    app.bus.execute(
        commands.ChangeDiscussionStatus(number, "closed", actor_is_admin=True), operator
    )
    with pytest.raises(NotFound):
        app.bus.execute(commands.ChangeDiscussionStatus(number, "open"), operator)
