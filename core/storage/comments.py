"""Order comments: kept through the ORM (so the order's history shows them) and
read with plain queries, oldest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from core import ports
from core.errors import NotFound
from core.model.comments import OrderComment
from core.storage import scope, tables
from core.storage.history import plain_value
from core.storage.scope import Groups

_comments = tables.order_comments.c
_orders = tables.orders.c
COLUMNS = (
    _comments.id,
    _comments.author_kind,
    _comments.author,
    _comments.visibility,
    _comments.body,
    _comments.created_at,
)


class SqlCommentRepository(ports.CommentRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, comment: OrderComment) -> None:
        self.session.add(comment)
        self.session.flush()


def comments_of(
    connection: Connection,
    order_id: int,
    visibility: str | None = None,
    viewer: str | None = None,
) -> list[dict[str, Any]]:
    """An order's comments as `viewer` (an actor name) may see them, oldest first: the
    public ones and their own private ones (a private comment is seen only by its
    author)."""
    query = (
        select(*COLUMNS)
        .where(
            _comments.order_id == order_id,
            or_(_comments.visibility == "public", _comments.author == viewer),
        )
        .order_by(_comments.id)
    )
    if visibility:
        query = query.where(_comments.visibility == visibility)
    return [
        {name: plain_value(value) for name, value in row._mapping.items()}
        for row in connection.execute(query)
    ]


def order_comments(
    engine: Engine,
    number: str,
    visibility: str | None = None,
    groups: Groups = None,
    viewer: str | None = None,
) -> list[dict[str, Any]]:
    """The comments of the order with this number that `viewer` may see; NotFound
    for an unknown order or one outside `groups` (see core/storage/scope.py)."""
    with engine.connect() as connection:
        order_id = _order_id(connection, number, groups)
        return comments_of(connection, order_id, visibility, viewer)


def check_order_in_scope(engine: Engine, number: str, groups: Groups) -> None:
    """NotFound unless the order exists within `groups`: one light query, for
    work on an order (editing, commenting, printing) by a limited person."""
    with engine.connect() as connection:
        _order_id(connection, number, groups)


def _order_id(connection: Connection, number: str, groups: Groups) -> int:
    order_id = connection.execute(
        select(_orders.id).where(_orders.number == number, scope.order_condition(groups))
    ).scalar_one_or_none()
    if order_id is None:
        raise NotFound(f"no order {number}")
    return order_id
