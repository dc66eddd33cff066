"""Reachability checks for /healthz: the database and the broker."""

from __future__ import annotations

from sqlalchemy import text


def database_check(engine):
    def check() -> str:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return "ok"
        except Exception as error:
            return f"error: {type(error).__name__}"

    return check


def broker_check(amqp_url: str | None):
    def check() -> str:
        if amqp_url is None:
            return "not configured"
        import pika

        parameters = pika.URLParameters(amqp_url)
        parameters.socket_timeout = 2
        parameters.blocked_connection_timeout = 2
        parameters.connection_attempts = 1
        try:
            pika.BlockingConnection(parameters).close()
            return "ok"
        except Exception as error:
            return f"error: {type(error).__name__}"

    return check
