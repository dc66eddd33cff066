"""The delete guards migrations put on never-deleted tables: triggers that refuse a
DELETE (and a TRUNCATE on PostgreSQL), calling `orderb2b_refuse_delete()` made by the
first migration. Tables that a SQLite batch migration rebuilds lose their trigger and
must be guarded again."""

from __future__ import annotations

from collections.abc import Iterable

from alembic import op


def guard(tables: Iterable[str]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgresql:
            op.execute(
                f"CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION orderb2b_refuse_delete()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_never_truncated BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION orderb2b_refuse_delete()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_never_deleted BEFORE DELETE ON {table} BEGIN "
                f"SELECT RAISE(ABORT, '{table} records are archived, never deleted'); END"
            )


def unguard(tables: Iterable[str]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in tables:
        if postgresql:
            op.execute(f"DROP TRIGGER {table}_never_deleted ON {table}")
            op.execute(f"DROP TRIGGER {table}_never_truncated ON {table}")
        else:
            op.execute(f"DROP TRIGGER {table}_never_deleted")
