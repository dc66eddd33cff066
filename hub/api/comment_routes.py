"""/api/v1/comments: every comment in one list (M-74), newest first."""

from __future__ import annotations

from core.storage import all_comments
from core.storage.queries import BadFilter, time_bound
from hub.api.bodies import scope_of
from hub.api.common import LIMIT, BadQuery, Route, limit_of


def list_comments(app, principal, params, query):
    kind = query.get("kind")
    if kind is not None and kind not in all_comments.KINDS:
        raise BadQuery(f"kind must be one of {', '.join(all_comments.KINDS)}")
    try:
        since = time_bound("since", query["since"], end_of_day=False) if "since" in query else None
        until = time_bound("until", query["until"], end_of_day=True) if "until" in query else None
    except BadFilter as error:
        raise BadQuery(str(error)) from None
    found = all_comments.list_comments(
        app.engine,
        viewer=principal.username,
        groups=scope_of(principal),
        purchasing=principal.can("purchasing.manage"),
        kind=kind,
        author=query.get("author"),
        text=query.get("text"),
        since=since,
        until=until,
        limit=limit_of(query),
    )
    return 200, {"comments": found}


COMMENT_ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/api/v1/comments",
        "orders.view",
        "Every comment you may see, newest first: orders' (customers' and staff's) and,"
        " with purchasing.manage, purchase orders'",
        list_comments,
        (
            ("kind", f"only comments on: {', '.join(all_comments.KINDS)}"),
            ("author", "only this author's"),
            ("text", "containing this text"),
            ("since", "at or after: YYYY-MM-DD or an ISO 8601 time"),
            ("until", "before this time; a bare YYYY-MM-DD includes that whole day"),
            LIMIT,
        ),
    ),
)
