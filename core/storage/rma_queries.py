"""What the API and CLI show of returns (RMAs): plain dicts, decimals as text. A
person limited to some customer groups sees only the RMAs of orders in them
(core/storage/scope.py); any other is not found, as if it did not exist."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection, Engine

from core.errors import NotFound
from core.storage import scope, tables
from core.storage.engine import one_statement
from core.storage.queries import _history, _row, plain_rows
from core.storage.scope import Groups

_rmas = tables.rmas.c
_lines = tables.rma_lines.c
_orders = tables.orders.c
_customers = tables.customers.c
_comments = tables.document_comments.c
_tasks = tables.tasks.c
COMMENT_COLUMNS = (
    _comments.id,
    _comments.author_kind,
    _comments.author,
    _comments.visibility,
    _comments.body,
    _comments.created_at,
)
LINE_COLUMNS = (
    _lines.line_number,
    _lines.order_line_number,
    _lines.part_number,
    _lines.description,
    _lines.unit_of_measure,
    _lines.quantity,
    _lines.received_quantity,
    _lines.condition,
)
LISTED = (
    _rmas.number,
    _rmas.status,
    _orders.number.label("order_number"),
    _rmas.customer_id,
    _customers.code.label("customer_code"),
    _customers.name.label("customer_name"),
    _rmas.reason_code,
    _rmas.resolution,
    _rmas.contact_email,
    _rmas.created_by,
    _rmas.created_at,
    _rmas.updated_at,
    _rmas.authorized_at,
    _rmas.received_at,
    _rmas.closed_at,
    _rmas.archived,
)


def list_rmas(
    engine: Engine,
    *,
    status: str | None = None,
    order: str | None = None,
    customer: str | None = None,
    archived: bool = False,
    after: str | None = None,
    limit: int = 100,
    groups: Groups = None,
) -> list[dict[str, Any]]:
    """Newest first, each with its number of lines and quantity returned; archived
    ones only when `archived`; `customer` is a customer code, `after` an RMA number
    (the page after it)."""
    query = (
        _listing(groups)
        .where(
            *((_rmas.status == status,) if status else ()),
            *((_orders.number == order,) if order else ()),
            *((_customers.code == customer,) if customer else ()),
            *(() if archived else (_rmas.archived.is_(False),)),
        )
        .order_by(_rmas.id.desc())
        .limit(limit)
    )
    if after:
        query = query.where(
            _rmas.id < select(_rmas.id).where(_rmas.number == after).scalar_subquery()
        )
    with one_statement(engine) as connection:
        found = plain_rows(connection.execute(query))
        return _with_quantities(connection, found)


def order_rmas(engine: Engine, order_number: str, *, groups: Groups = None) -> list[dict[str, Any]]:
    """The RMAs of an order (archived ones too), oldest first; NotFound for an
    unknown order or one outside `groups`."""
    with engine.connect() as connection:
        order_id = connection.execute(
            select(_orders.id).where(_orders.number == order_number, scope.order_condition(groups))
        ).scalar_one_or_none()
        if order_id is None:
            raise NotFound(f"no order {order_number}")
        query = _listing(None).where(_rmas.order_id == order_id).order_by(_rmas.id)
        return _with_quantities(connection, plain_rows(connection.execute(query)))


def rma_detail(
    engine: Engine, number: str, *, groups: Groups = None, viewer: str | None = None
) -> dict[str, Any]:
    """One RMA with its customer, lines, the comments `viewer` may see, its tasks and
    its history (without others' private comments)."""
    with engine.connect() as connection:
        row = _rma_row(connection, number, groups)
        detail = _row(row, drop=("id", "order_id", "customer_id", "customer_code", "customer_name"))
        detail["customer"] = _customer(row.customer_id, row.customer_code, row.customer_name)
        detail["lines"] = plain_rows(
            connection.execute(
                select(*LINE_COLUMNS).where(_lines.rma_id == row.id).order_by(_lines.line_number)
            )
        )
        detail["comments"] = _comments_of(connection, row.id, viewer)
        detail["tasks"] = _tasks_of(connection, row.id, number)
        detail["history"] = _visible_history(connection, row.id, viewer)
    return detail


def rma_comments(
    engine: Engine, number: str, *, groups: Groups = None, viewer: str | None = None
) -> list[dict[str, Any]]:
    """The RMA's public comments and `viewer`'s own private ones, oldest first."""
    with engine.connect() as connection:
        return _comments_of(connection, _rma_row(connection, number, groups).id, viewer)


def check_rma_in_scope(engine: Engine, number: str, groups: Groups) -> None:
    """NotFound unless the RMA exists within `groups`: one light query."""
    with engine.connect() as connection:
        rma_id = connection.execute(
            select(_rmas.id)
            .join(tables.orders, _orders.id == _rmas.order_id)
            .where(_rmas.number == number, scope.order_condition(groups))
        ).scalar_one_or_none()
    if rma_id is None:
        raise NotFound(f"no RMA {number}")


def _listing(groups: Groups):
    return (
        select(*LISTED, _rmas.id)
        .join(tables.orders, _orders.id == _rmas.order_id)
        .outerjoin(tables.customers, _customers.id == _rmas.customer_id)
        .where(scope.order_condition(groups))
    )


def _with_quantities(connection: Connection, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each RMA's line count and quantities, summed here (SQLite keeps decimals as
    text)."""
    ids = [rma.pop("id") for rma in found]
    totals = {rma_id: [0, Decimal(0), Decimal(0)] for rma_id in ids}
    if ids:
        rows = connection.execute(
            select(_lines.rma_id, _lines.quantity, _lines.received_quantity).where(
                _lines.rma_id.in_(ids)
            )
        )
        for rma_id, quantity, received in rows:
            total = totals[rma_id]
            total[0] += 1
            total[1] += quantity
            total[2] += received or 0
    for rma, rma_id in zip(found, ids, strict=True):
        count, quantity, received = totals[rma_id]
        rma["customer"] = _customer(
            rma.pop("customer_id"), rma.pop("customer_code"), rma.pop("customer_name")
        )
        rma.update(
            lines=count, quantity=format(quantity, "f"), received_quantity=format(received, "f")
        )
    return found


def _rma_row(connection: Connection, number: str, groups: Groups):
    row = connection.execute(
        select(
            tables.rmas,
            _orders.number.label("order_number"),
            _customers.code.label("customer_code"),
            _customers.name.label("customer_name"),
        )
        .join(tables.orders, _orders.id == _rmas.order_id)
        .outerjoin(tables.customers, _customers.id == _rmas.customer_id)
        .where(_rmas.number == number, scope.order_condition(groups))
    ).one_or_none()
    if row is None:
        raise NotFound(f"no RMA {number}")
    return row


def _customer(customer_id: int | None, code: str | None, name: str | None) -> dict | None:
    return None if customer_id is None else {"id": customer_id, "code": code, "name": name}


def _comments_of(connection: Connection, rma_id: int, viewer: str | None) -> list[dict[str, Any]]:
    query = (
        select(*COMMENT_COLUMNS)
        .where(
            _comment_of(rma_id), or_(_comments.visibility == "public", _comments.author == viewer)
        )
        .order_by(_comments.id)
    )
    return plain_rows(connection.execute(query))


def _comment_of(rma_id: int):
    return and_(_comments.document_kind == "rma", _comments.document_id == rma_id)


def _tasks_of(connection: Connection, rma_id: int, number: str) -> list[dict[str, Any]]:
    query = (
        select(_tasks.number, _tasks.title, _tasks.status, _tasks.assignee, _tasks.due_on)
        .where(
            _tasks.document_kind == "rma",
            or_(_tasks.document_id == rma_id, _tasks.document_number == number),
            _tasks.archived.is_(False),
        )
        .order_by(_tasks.id)
    )
    return plain_rows(connection.execute(query))


def _visible_history(connection: Connection, rma_id: int, viewer: str | None) -> list[dict]:
    """The RMA's history, without the entries of others' private comments."""
    private = select(_comments.id).where(_comment_of(rma_id), _comments.visibility == "private")
    if viewer is not None:
        private = private.where(_comments.author != viewer)
    hidden = set(connection.execute(private).scalars())
    return [
        entry
        for entry in _history(connection, "rma", rma_id)
        if not (entry["entity"] == "document_comment" and entry["entity_id"] in hidden)
    ]
