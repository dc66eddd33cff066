"""Planner statistics for the busiest tables of a new database.

Until a table has column statistics, PostgreSQL guesses that a match on one
partner's orders finds a single row, and may scan them all where an index would
do; autovacuum first analyzes a table a minute or more after it starts to fill.
Once statistics exist, the planner scales them with the table's size, so one
early analysis is enough: this analyzes each busy table as soon as it holds
`MIN_ROWS` rows without having statistics, then leaves the rest to autovacuum.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

log = logging.getLogger("orderb2b.statistics")

BUSY_TABLES = ("orders", "order_lines", "inbound_documents", "outbox", "inbox", "history")
MIN_ROWS = 100

_WITHOUT_STATISTICS = """
SELECT t.relname, t.n_live_tup >= %(least)s AS ready FROM pg_stat_user_tables t
WHERE t.relname = ANY(%(tables)s) AND NOT EXISTS (
    SELECT 1 FROM pg_stats s WHERE s.schemaname = t.schemaname AND s.tablename = t.relname
)
"""


class StatisticsKeeper:
    def __init__(self, engine: Engine, interval: float = 2.0) -> None:
        self.engine = engine
        self.interval = interval

    def run(self, stopping: threading.Event) -> None:
        while not stopping.wait(self.interval):
            try:
                if self.refresh() is None:
                    return
            except Exception as error:  # the database may be away; try again later
                log.warning("statistics not refreshed", extra={"error": repr(error)})

    def refresh(self) -> list[str] | None:
        """Analyze the busy tables that are ready; None once every one has statistics."""
        with self.engine.connect() as connection:
            params = {"tables": list(BUSY_TABLES), "least": MIN_ROWS}
            waiting = connection.exec_driver_sql(_WITHOUT_STATISTICS, params).all()
        if not waiting:
            return None
        ready = [table for table, is_ready in waiting if is_ready]
        for table in ready:
            with self.engine.begin() as connection:
                connection.exec_driver_sql(f"ANALYZE {table}")
        if ready:
            log.info("statistics made", extra={"tables": ready})
        return ready
