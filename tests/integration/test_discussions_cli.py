"""`orderb2b projects|discussions` in-process, on the embedded default and on
PostgreSQL: the operator (an administrator, `cli:<login>`) makes a project and a
discussion, posts a file, changes the status and invites staff; `--as` shows what one
staff member sees; bad input is one line on stderr and exit code 2."""

from __future__ import annotations

import getpass
import json

import pytest

from core import commands
from core.ports import SYSTEM
from core.storage import discussion_queries
from hub import cli

OPERATOR = f"cli:{getpass.getuser()}"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def app(monkeypatch, tmp_path, database_url):
    """The hub the CLI opens (same data directory and database), for the setup."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORDERB2B_DATABASE_URL", database_url)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    app = cli._app()
    for username in ("alice", "bob", "carol"):
        app.bus.execute(commands.AddStaff(username, username.title(), PASSWORD), SYSTEM)
    yield app
    app.close()


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys, *args: str):
    code, out, err = run(capsys, *args, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def test_projects_from_the_shell(app, capsys):
    assert run(capsys, "projects", "add", "q3-launch", "Q3 launch", "--description", "Show") == (
        0,
        "Q3-LAUNCH\n",
        "",
    )
    code, out, _ = run(capsys, "projects", "members", "Q3-LAUNCH", "--add", "alice", "--add", "bob")
    assert (code, out) == (0, "Q3-LAUNCH members: alice, bob\n")
    code, out, _ = run(capsys, "projects", "members", "q3-launch", "--remove", "bob")
    assert (code, out) == (0, "Q3-LAUNCH members: alice\n")
    listing = as_json(capsys, "projects", "list")
    assert [(p["code"], p["members"], p["created_by"]) for p in listing] == [
        ("Q3-LAUNCH", 1, OPERATOR)
    ]
    code, out, _ = run(capsys, "projects", "list")
    assert code == 0 and "Q3-LAUNCH" in out and "Q3 launch" in out
    assert run(capsys, "projects", "set", "Q3-LAUNCH", "--archive")[:2] == (0, "archived\n")
    assert as_json(capsys, "projects", "list") == []
    detail = as_json(capsys, "projects", "show", "Q3-LAUNCH")
    assert [(m["username"], m["active"]) for m in detail["members"]] == [
        ("alice", True),
        ("bob", False),
    ]
    code, out, _ = run(capsys, "projects", "show", "Q3-LAUNCH")
    assert code == 0 and "members: alice" in out and "[archived]" in out


def test_discussions_from_the_shell(app, capsys, tmp_path):
    run(capsys, "projects", "add", "Q3", "Q3 launch")
    run(capsys, "projects", "members", "Q3", "--add", "carol")
    code, out, err = run(
        capsys,
        "discussions", "start", "Pallet sizes",
        "--project", "Q3", "--message", "Which pallets?", "--invite", "alice",
    )  # fmt: skip
    assert (code, out, err) == (0, "DISC000001\n", "")
    drawing = tmp_path / "rack.pdf"
    drawing.write_bytes(b"%PDF-1.4\n\x00\xff rack")
    code, out, _ = run(
        capsys, "discussions", "post", "DISC000001", "See the drawing", "--attach", str(drawing)
    )
    assert code == 0 and out.startswith("message ") and out.endswith(" posted on DISC000001\n")
    assert run(capsys, "discussions", "status", "DISC000001", "on_hold")[:2] == (
        0,
        "DISC000001 on_hold\n",
    )
    assert run(capsys, "discussions", "invite", "DISC000001", "bob", "alice")[1] == (
        "invited: bob\n"
    )

    detail = as_json(capsys, "discussions", "show", "DISC000001")
    assert (detail["status"], detail["created_by"]) == ("on_hold", OPERATOR)
    assert [(p["username"], p["role"]) for p in detail["participants"]] == [
        (OPERATOR, "creator"),
        ("alice", "invited"),
        ("bob", "invited"),
    ]
    message = detail["messages"][-1]
    assert (message["author"], message["body"]) == (OPERATOR, "See the drawing")
    [about] = message["attachments"]
    assert (about["filename"], about["content_type"]) == ("rack.pdf", "application/pdf")
    saved = discussion_queries.attachment_of(app.engine, "DISC000001", about["id"], "alice", False)
    assert saved == ("rack.pdf", "application/pdf", drawing.read_bytes())
    code, out, _ = run(capsys, "discussions", "show", "DISC000001")
    assert code == 0 and "Pallet sizes" in out and "rack.pdf" in out and "See the drawing" in out

    run(capsys, "discussions", "start", "Just the operator")
    listed = as_json(capsys, "discussions", "list")
    assert [d["number"] for d in listed] == ["DISC000002", "DISC000001"]
    assert [d["number"] for d in as_json(capsys, "discussions", "list", "--as", "carol")] == [
        "DISC000001"
    ], "carol sees it as a member of its project"
    assert [d["number"] for d in as_json(capsys, "discussions", "list", "--as", "bob")] == [
        "DISC000001"
    ]
    assert as_json(capsys, "discussions", "list", "--as", "bob", "--status", "open") == []
    code, out, _ = run(capsys, "discussions", "list", "--as", "alice")
    assert code == 0 and "DISC000001" in out and "DISC000002" not in out
    code, _, err = run(capsys, "discussions", "show", "DISC000002", "--as", "alice")
    assert (code, err) == (2, "orderb2b: no discussion DISC000002\n")


def test_bad_input_is_one_line_and_exit_2(app, capsys, tmp_path):
    run(capsys, "discussions", "start", "Pallet sizes")
    for args, message in (
        (("projects", "add", "q3 launch", "X"), "project code 'q3 launch'"),
        (("projects", "members", "NOPE", "--add", "bob"), "no project NOPE"),
        (("projects", "members", "NOPE"), "name someone to --add or --remove"),
        (("discussions", "invite", "DISC000001", "zed"), "zed is not an active staff member"),
        (("discussions", "post", "DISC000009", "hi"), "no discussion DISC000009"),
        (("discussions", "post", "DISC000001", "hi", "--attach", str(tmp_path / "gone.pdf")),
         "No such file"),
        (("discussions", "list", "--as", "nobody"), "no staff member nobody"),
        (("discussions", "list", "--limit", "0"), "--limit must be 1 or more"),
    ):  # fmt: skip
        code, out, err = run(capsys, *args)
        assert (code, out) == (2, ""), args
        assert err.startswith("orderb2b: ") and message in err and err.count("\n") == 1, err
    run(capsys, "discussions", "status", "DISC000001", "closed")
    code, _, err = run(capsys, "discussions", "post", "DISC000001", "one more")
    assert (code, err) == (2, "orderb2b: DISC000001 is closed: it takes no more messages\n")
    with pytest.raises(SystemExit):
        run(capsys, "discussions", "status", "DISC000001", "done")
