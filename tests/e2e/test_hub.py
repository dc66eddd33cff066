"""The running hub over HTTP, on the embedded default and on PostgreSQL + RabbitMQ."""

from __future__ import annotations

import json
import socket
import threading
import time

from lxml import etree
from openapi_spec_validator import validate

from hub.demo import order_request
from tests.conftest import AMQP_URL, FIXTURES
from tests.e2e.hub_process import HubProcess, cli


def cxml_status(body: bytes) -> tuple[str, str]:
    status = etree.fromstring(body).find("Response/Status")
    return status.get("code"), status.get("text")


def wait_for_order(env: dict, external_id: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listing = json.loads(cli(env, "orders", "list", "--json").stdout)
        found = [o for o in listing if o["external_order_id"] == external_id]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"order {external_id} never appeared")


def test_posted_order_becomes_an_order_with_history(hub, hub_env):
    status, body = hub.post_cxml(order_request("E2E-1", lines=3))
    assert status == 200
    assert cxml_status(body) == ("200", "OK")
    order = wait_for_order(hub_env, "E2E-1")
    shown = cli(hub_env, "orders", "show", order["number"], "--json")
    detail = json.loads(shown.stdout)
    assert [line["line_number"] for line in detail["lines"]] == [1, 2, 3]
    assert detail["history"][0]["action"] == "create"
    text = cli(hub_env, "orders", "show", order["number"]).stdout
    assert "E2E-1" in text and "history:" in text
    assert hub.post_cxml(order_request("E2E-1"))[0] == 200
    time.sleep(0.5)
    listing = json.loads(cli(hub_env, "orders", "list", "--json").stdout)
    assert [o["external_order_id"] for o in listing].count("E2E-1") == 1


def test_health_and_metrics(hub, hub_env):
    status, body = hub.request("GET", "/healthz")
    health = json.loads(body)
    assert status == 200 and health["database"] == "ok" and health["status"] == "ok"
    assert health["broker"] in ("ok", "not configured")
    hub.post_cxml(order_request("E2E-M"))
    hub.post_cxml(b"not xml")
    wait_for_order(hub_env, "E2E-M")
    status, body = hub.request("GET", "/metrics")
    text = body.decode()
    assert status == 200
    assert 'orderb2b_cxml_requests_total{code="200"} 1' in text
    assert 'orderb2b_cxml_requests_total{code="400"} 1' in text
    assert "orderb2b_cxml_request_seconds_count 2" in text
    assert "orderb2b_outbox_backlog" in text
    assert 'orderb2b_messages_handled_total{processor="normaliser"}' in text
    assert "orderb2b_batch_seconds_count" in text


def test_queues_command_reports_the_transport(hub, hub_env):
    assert hub.post_cxml(order_request("E2E-Q"))[0] == 200
    wait_for_order(hub_env, "E2E-Q")
    result = cli(hub_env, "queues", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dead_letters"] == []
    if "ORDERB2B_AMQP_URL" in hub_env:
        assert report["transport"] == "rabbitmq"
        normaliser = hub_env["ORDERB2B_AMQP_PREFIX"] + ".normaliser"
        assert report["queues"][normaliser]["consumers"] == 1
        assert hub_env["ORDERB2B_AMQP_PREFIX"] + ".dead" in report["queues"]
    else:
        assert (report["transport"], report["queues"]) == ("in-process", {})
    text = cli(hub_env, "queues").stdout
    assert "dead letters: 0" in text


class Listener:
    """Counts connections to a loopback port: proof that nothing was fetched."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                self.socket.accept()[0].close()
                self.connections += 1
            except OSError:
                continue

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.socket.close()


def hostile_documents(port: int) -> dict[str, bytes]:
    order = order_request("EVIL").decode()
    body = order.split("?>", 1)[1].split("\n", 2)[2]
    return {
        "file entity": (
            '<?xml version="1.0"?>\n<!DOCTYPE cXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + body.replace("Order B2B demo", "&x;")
        ).encode(),
        "network entity": (
            f'<?xml version="1.0"?>\n<!DOCTYPE cXML [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/">]>'
            + body.replace("Order B2B demo", "&x;")
        ).encode(),
        "network dtd": (
            f'<?xml version="1.0"?>\n<!DOCTYPE cXML SYSTEM "http://127.0.0.1:{port}/cXML.dtd">'
            + body.replace("Order B2B demo", "&x;")
        ).encode(),
        "entity expansion": (FIXTURES / "hostile" / "billion_laughs.xml").read_bytes(),
        "not xml": b"\x00\x01 definitely not xml",
        "empty": b"",
    }


def test_hostile_xml_is_refused_and_the_hub_keeps_serving(hub, hub_env):
    listener = Listener()
    try:
        for name, document in hostile_documents(listener.port).items():
            started = time.monotonic()
            status, body = hub.post_cxml(document)
            assert status == 400, name
            code, _ = cxml_status(body)
            assert code == "400", name
            assert time.monotonic() - started < 5, name
        assert b"root:" not in body
        time.sleep(0.3)
        assert listener.connections == 0
    finally:
        listener.close()
    status, body = hub.post_cxml(b"<a>" + b"x" * (11 * 1024 * 1024) + b"</a>")
    assert (status, cxml_status(body)[0]) == (413, "413")
    assert hub.request("GET", "/healthz")[0] == 200
    assert hub.post_cxml(order_request("AFTER-ATTACK"))[0] == 200
    wait_for_order(hub_env, "AFTER-ATTACK")


def test_openapi_document_describes_the_endpoints(hub):
    status, body = hub.request("GET", "/api/openapi.json")
    document = json.loads(body)
    assert status == 200 and document["openapi"].startswith("3.")
    validate(document)
    assert set(document["paths"]) >= {"/cxml", "/healthz", "/metrics"}
    assert set(document["paths"]["/cxml"]["post"]["responses"]) >= {"200", "400", "401", "413"}


def test_wrong_credentials_get_401(hub):
    status, body = hub.post_cxml(order_request("E2E-401", secret="wrong"))
    assert (status, cxml_status(body)[0]) == (401, "401")


def test_sigterm_stops_cleanly(hub_env, tmp_path):
    process = HubProcess(hub_env, log_path=tmp_path / "hub.log").start()
    assert process.post_cxml(order_request("E2E-TERM"))[0] == 200
    assert process.terminate() == 0
    log = (tmp_path / "hub.log").read_text()
    assert '"event": "hub stopped"' in log
    process = HubProcess(hub_env, log_path=tmp_path / "hub2.log").start()
    try:
        wait_for_order(hub_env, "E2E-TERM")
    finally:
        assert process.terminate() == 0


def _children(pid: int) -> list[int]:
    from pathlib import Path

    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def test_worker_processes_consume_and_stop_with_the_hub(pg_url, amqp_prefix, data_dir, tmp_path):
    import os

    env = {
        **os.environ,
        "ORDERB2B_DATA_DIR": str(data_dir),
        "ORDERB2B_DATABASE_URL": pg_url,
        "ORDERB2B_AMQP_URL": AMQP_URL,
        "ORDERB2B_AMQP_PREFIX": amqp_prefix,
        "ORDERB2B_WORKER_PROCESSES": "2",
    }
    assert cli(env, "demo").returncode == 0
    with HubProcess(env, log_path=tmp_path / "hub.log") as process:
        children = _children(process.process.pid)
        assert len(children) == 2
        assert all(_children(child) == [] for child in children)
        for n in range(20):
            assert process.post_cxml(order_request(f"WP-{n}"))[0] == 200
        wait_for_order(env, "WP-19")
        listing = json.loads(cli(env, "orders", "list", "--json").stdout)
        assert {f"WP-{n}" for n in range(20)} <= {o["external_order_id"] for o in listing}
        os.kill(children[0], 9)
        time.sleep(2.5)
        replaced = _children(process.process.pid)
        assert len(replaced) == 2 and children[0] not in replaced
        assert process.post_cxml(order_request("WP-AFTER"))[0] == 200
        wait_for_order(env, "WP-AFTER")
        assert process.terminate() == 0
    for child in replaced:
        assert not os.path.exists(f"/proc/{child}")
