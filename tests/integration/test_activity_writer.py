"""The API's activity records, written in batches off the request path: nothing
added is lost on a clean stop, and a database that refuses a batch keeps it for the
next round."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import SQLAlchemyError

from core import commands
from core.access import Principal
from core.ports import Actor
from core.storage.activity import list_activity
from core.storage.engine import make_engine
from hub.activity_writer import ActivityWriter
from hub.bootstrap import bootstrap
from hub.config import Config

READER = Principal(0, "tnguyen", frozenset({"orders.view"}), False)


@pytest.fixture
def engine(database_url, data_dir):
    """A database with the staff member READER stands for."""
    global READER
    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    add = commands.AddStaff("tnguyen", "Thanh Nguyen", "correct horse battery", None)
    READER = READER._replace(staff_id=app.bus.execute(add, Actor("system", "tests")))
    yield app.engine
    app.close()


def test_records_are_written_in_one_batch_in_order(engine):
    writer = ActivityWriter(engine)
    for n in range(5):
        writer.add(READER, "get /api/v1/orders/{number}", document_type="orders",
                   document_id=f"SO{n}", remote_addr="127.0.0.1")  # fmt: skip
    assert actions(engine) == []
    assert writer.flush() == 5
    entries = list_activity(engine, username="tnguyen")
    assert [e["document_id"] for e in entries] == [f"SO{n}" for n in reversed(range(5))]
    assert {e["username"] for e in entries} == {"tnguyen"}
    assert writer.flush() == 0


def test_the_thread_writes_as_it_goes_and_everything_on_stop(engine):
    writer = ActivityWriter(engine, interval=0.05)
    stopping = threading.Event()
    thread = threading.Thread(target=writer.run, args=(stopping,))
    thread.start()
    writer.add(READER, "get /api/v1/orders")
    for _ in range(100):
        if actions(engine):
            break
        stopping.wait(0.05)
    assert len(actions(engine)) == 1
    for _ in range(3):
        writer.add(READER, "get /api/v1/orders/counts")
    stopping.set()
    writer.wake()
    thread.join(10)
    assert actions(engine).count("get /api/v1/orders/counts") == 3


def test_a_refused_batch_is_kept_for_the_next_round(engine, database_url):
    broken = make_engine(database_url.replace("orderb2b", "no_such_database"))
    writer = ActivityWriter(broken)
    writer.add(READER, "get /api/v1/orders")
    with pytest.raises(SQLAlchemyError):
        writer.flush()
    writer.engine = engine
    assert writer.flush() == 1
    assert actions(engine) == ["get /api/v1/orders"]


def actions(engine) -> list[str]:
    return [entry["action"] for entry in list_activity(engine, username="tnguyen")]


def test_administrators_filter_the_log_by_person_document_and_time(database_url, data_dir):
    from tests.api_client import ApiClient

    app = bootstrap(Config(database_url=database_url, amqp_url=None, data_dir=data_dir))
    try:
        api = ApiClient(app)
        chief, clerk = api.token("chief"), api.token("clerk", "salesperson")
        assert api.get("/api/v1/orders?status=new", clerk)[0] == 200
        assert api.get("/api/v1/orders/SO0000404", clerk)[0] == 404
        status, log = api.get("/api/v1/activity?staff=clerk&since=2000-01-01", chief)
        assert status == 200
        assert [(e["action"], e["document_id"], e["detail"]) for e in log["activity"]] == [
            ("get /api/v1/orders/{number}", "SO0000404", {"status": 404}),
            ("get /api/v1/orders", None, None),
        ]
        status, log = api.get("/api/v1/activity?staff=clerk&until=2000-01-01", chief)
        assert (status, log["activity"]) == (200, [])
        status, problem = api.get("/api/v1/activity?since=last-tuesday", chief)
        assert status == 400 and "since" in problem["detail"]
        assert api.get("/api/v1/activity", clerk)[0] == 403
        status, log = api.get("/api/v1/activity?staff=clerk&document_type=activity", chief)
        assert [e["detail"] for e in log["activity"]] == [{"status": 403}], "refusals logged"
    finally:
        app.close()
