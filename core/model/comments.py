"""Comments on an order (M-102): a private one is seen only by its author, a public
one by all staff. Never changed or deleted."""

from __future__ import annotations

from datetime import UTC, datetime

from core.errors import OrderB2BError

VISIBILITIES = ("private", "public")
MAX_BODY = 10_000


class CommentRefused(OrderB2BError):
    """A comment that cannot be kept as given."""


class OrderComment:
    id: int | None

    def __init__(
        self, order_id: int, author_kind: str, author: str, visibility: str, body: str
    ) -> None:
        if visibility not in VISIBILITIES:
            raise CommentRefused(
                f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}"
            )
        if not isinstance(body, str) or not body.strip():
            raise CommentRefused("a comment needs some text")
        if len(body) > MAX_BODY:
            raise CommentRefused(f"a comment is at most {MAX_BODY} characters")
        self.order_id = order_id
        self.author_kind = author_kind
        self.author = author
        self.visibility = visibility
        self.body = body.strip()
        self.inbound_mail_id = None  # the message it came by, when a customer wrote it
        self.created_at = datetime.now(UTC)
