"""The discussion board's rules (M-101), on the plain model: who sees a discussion,
who may invite, change its status, leave or post, project membership, and what a
message and its files must be."""

from __future__ import annotations

import pytest

from core.errors import NotFound
from core.model.attachments import MAX_BYTES, AttachmentRefused, AttachmentTooLarge
from core.model.discussions import (
    CLOSED,
    MAX_BODY,
    Discussion,
    DiscussionRefused,
    NotAllowed,
    Project,
    check_code,
    format_number,
    message_attachments,
)


def project(members: tuple[str, ...] = ("pmember",)) -> Project:
    made = Project("q3-launch", "Q3 launch", "powner", "Trade show stock")
    for username in members:
        made.add_member(username, "powner")
    return made


def discussion(in_project: Project | None = None) -> Discussion:
    started = Discussion(format_number(7), "  Pallet sizes for Reno  ", "alice", in_project)
    started.invite("bob", "alice")
    return started


def test_numbers_and_project_codes():
    assert format_number(42) == "DISC000042"
    assert check_code(" q3_launch-2 ") == "Q3_LAUNCH-2"
    assert check_code("A" * 32) == "A" * 32
    for bad in ("", "A" * 33, "q3 launch", "q3/launch", "ünï", None):
        with pytest.raises(DiscussionRefused):
            check_code(bad)


def test_a_new_discussion_is_open_with_its_creator_taking_part():
    started = discussion()
    assert (started.subject, started.status, started.created_by) == (
        "Pallet sizes for Reno",
        "open",
        "alice",
    )
    assert [
        (p.username, p.role, p.invited_by, p.notify, p.active) for p in started.participants
    ] == [
        ("alice", "creator", "alice", True, True),
        ("bob", "invited", "alice", True, True),
    ]
    for subject in ("", "   ", "x" * 301, "two\nlines"):
        with pytest.raises(DiscussionRefused):
            Discussion("DISC000001", subject, "alice")


def test_who_sees_a_discussion():
    team = project()
    started = discussion(team)
    assert started.sees("alice") and started.sees("bob")
    assert started.sees("pmember"), "an active member of its project"
    assert not started.sees("powner"), "making the project is not being a member of it"
    assert not started.sees("mallory")
    assert started.sees("mallory", is_admin=True)
    with pytest.raises(NotFound, match="no discussion DISC000007"):
        started.check_visible("mallory")
    team.remove_member("pmember")
    assert not started.sees("pmember"), "a removed member no longer sees it"


def test_any_participant_invites_and_someone_who_left_comes_back():
    started = discussion()
    assert started.invite("carol", "bob") is True
    assert started.invite("carol", "alice") is False, "takes part already"
    started.leave("carol")
    assert not started.sees("carol")
    assert started.invite("carol", "alice") is True
    carol = started.participant("carol")
    assert (carol.active, carol.role, carol.invited_by) == (True, "invited", "alice")
    with pytest.raises(NotFound):
        started.invite("dave", "mallory")
    assert started.invite("dave", "root", is_admin=True)


def test_a_project_member_who_does_not_take_part_may_not_invite():
    started = discussion(project())
    with pytest.raises(NotAllowed):
        started.invite("carol", "pmember")


def test_leaving_and_notify_are_ones_own_and_the_creator_stays():
    started = discussion()
    with pytest.raises(DiscussionRefused, match="creator"):
        started.leave("alice")
    assert started.set_notify("bob", False) is True
    assert started.set_notify("bob", False) is False
    assert started.participant("bob").notify is False
    started.leave("bob")
    assert started.participant("bob").active is False
    with pytest.raises(NotFound):
        started.leave("bob")
    with pytest.raises(NotFound):
        started.set_notify("mallory", True)
    team_discussion = discussion(project())
    with pytest.raises(DiscussionRefused, match="does not take part"):
        team_discussion.set_notify("pmember", False)


def test_status_is_changed_by_its_creator_or_an_administrator():
    started = discussion()
    assert started.change_status("on_hold", "alice") == "open"
    assert started.change_status("on_hold", "alice") is None, "unchanged: nothing to tell"
    with pytest.raises(NotAllowed):
        started.change_status("closed", "bob")
    with pytest.raises(NotFound):
        started.change_status("closed", "mallory")
    with pytest.raises(DiscussionRefused, match="status must be one of"):
        started.change_status("done", "alice")
    assert started.change_status("resolved", "root", is_admin=True) == "on_hold"
    assert started.may_manage("alice") and not started.may_manage("bob")


def test_posting_needs_sight_and_an_open_discussion():
    started = discussion(project())
    message = started.post("bob", "  Euro pallets, 120 x 80.  ")
    assert (message.author, message.author_kind, message.body) == (
        "bob",
        "staff",
        "Euro pallets, 120 x 80.",
    )
    with pytest.raises(NotFound):
        started.post("mallory", "hello")
    for body in ("", "   ", "x" * (MAX_BODY + 1), None):
        with pytest.raises(DiscussionRefused):
            started.post("bob", body)
    started.change_status(CLOSED, "alice")
    with pytest.raises(DiscussionRefused, match="closed"):
        started.post("alice", "one more thing")


def test_a_project_member_who_posts_takes_part_but_an_administrator_does_not():
    started = discussion(project())
    started.post("pmember", "I can bring the forklift.")
    member = started.participant("pmember")
    assert (member.role, member.active, member.notify) == ("member", True, True)
    started.post("root", "Noted.", is_admin=True)
    assert started.participant("root") is None


def test_projects_members_and_changes():
    team = project(members=())
    assert team.code == "Q3-LAUNCH"
    assert team.add_member("pmember", "powner") is True
    assert team.add_member("pmember", "powner") is False
    assert team.remove_member("pmember") is True
    assert team.remove_member("pmember") is False
    assert team.member("pmember").active is False, "kept, never deleted"
    assert team.add_member("pmember", "root") is True
    assert (team.member("pmember").active, team.member("pmember").added_by) == (True, "root")
    with pytest.raises(DiscussionRefused):
        team.remove_member("stranger")
    team.check_may_change("powner", False)
    team.check_may_change("root", True)
    with pytest.raises(NotAllowed):
        team.check_may_change("pmember", False)
    assert team.change(name="Q3 trade show", description="", archived=True) == [
        "name",
        "description",
        "archived",
    ]
    assert (team.name, team.description, team.archived) == ("Q3 trade show", None, True)
    assert team.change(name="Q3 trade show") == []
    with pytest.raises(DiscussionRefused, match="archived"):
        Discussion("DISC000002", "Late", "powner", team)


def test_message_files_are_checked():
    message = discussion().post("alice", "The drawing.")
    message.id = 5
    kept = message_attachments(
        message, [("../drawings/rack.pdf", "application/PDF; name=x", b"%PDF-1.4"), ("a", "", b"x")]
    )
    assert [(a.owner_kind, a.owner_id, a.filename, a.content_type, a.created_by) for a in kept] == [
        ("discussion_message", 5, "rack.pdf", "application/pdf", "alice"),
        ("discussion_message", 5, "a", "application/octet-stream", "alice"),
    ]
    with pytest.raises(AttachmentRefused, match="empty"):
        message_attachments(message, [("empty.txt", "text/plain", b"")])
    with pytest.raises(AttachmentRefused, match="content type"):
        message_attachments(message, [("x.txt", "not a type", b"x")])
    with pytest.raises(AttachmentTooLarge):
        message_attachments(message, [("big.bin", None, b"x" * (MAX_BYTES + 1))])
    with pytest.raises(AttachmentRefused, match="at most"):
        message_attachments(message, [("f", None, b"x")] * 21)
