"""Builds the database engine for a URL: PostgreSQL, or the embedded SQLite file."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import orjson
from psycopg.types.json import set_json_dumps
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            json_serializer=dumps_json,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No ping per checkout: it is a round trip on every transaction. A connection
        # that died (a database restart) fails once and the pool drops them all.
        pool_recycle=3600,
        json_serializer=dumps_json,
    )
    event.listen(engine, "connect", _postgresql_connection)
    return engine


def one_statement(engine: Engine):
    """A connection for a read of one statement. On PostgreSQL it runs in autocommit,
    which spares the BEGIN and ROLLBACK round trips a transaction would add to every
    list and search; SQLite reads stay in their (cheap, local) transaction."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT").connect()
    return engine.connect()


def dumps_json(value) -> str:
    """JSON for JSON columns, several times faster than the standard library's.
    Dates and times are ISO 8601, decimals exact strings ("12.50")."""
    return _dumps_json_bytes(value).decode()


def _dumps_json_bytes(value) -> bytes:
    return orjson.dumps(value, default=_exact_decimal, option=orjson.OPT_NON_STR_KEYS)


def _exact_decimal(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _postgresql_connection(dbapi_connection, _record) -> None:
    set_json_dumps(_dumps_json_bytes, dbapi_connection)
    # No server-side prepared statements: PostgreSQL would plan a prepared one once
    # for any values and may keep a plan made while the tables were nearly empty (a
    # scan where an index would do) as they grow. Each statement is planned for its
    # own values instead; plans inside the server (foreign key checks) stay cached.
    dbapi_connection.prepare_threshold = None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy issue BEGIN itself so transactions are real and serialised.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class SessionReader:
    """An engine stand-in for the read queries that reads through a unit of work's own
    connection: inside a write transaction on SQLite, where a second connection would
    wait for the lock this one holds."""

    def __init__(self, connection) -> None:
        self._connection = connection
        self.dialect = connection.dialect

    @contextmanager
    def connect(self):
        yield self._connection


def reader(uow, engine: Engine):
    """What a processor reads with while its unit of work is open."""
    if engine.dialect.name == "postgresql":
        return engine
    return SessionReader(uow.session.connection())
