"""Orders through the running hub's doors: cXML new, change and cancel; X12 over HTTP."""

from __future__ import annotations

import json
import time

from hub.demo import order_request
from tests.conftest import FIXTURES
from tests.e2e.hub_process import cli
from tests.e2e.test_hub import cxml_status, wait_for_order

VA = (FIXTURES / "x12" / "va_it_equipment.edi").read_bytes()


def wait_for(env: dict, number: str, check, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        detail = json.loads(cli(env, "orders", "show", number, "--json").stdout)
        if check(detail):
            return detail
        time.sleep(0.2)
    raise AssertionError(f"order {number} never reached the expected state")


def test_cxml_change_and_cancel_amend_the_same_order(hub, hub_env):
    assert cxml_status(hub.post_cxml(order_request("CHG-1", lines=2))[1])[0] == "200"
    number = wait_for_order(hub_env, "CHG-1")["number"]
    assert cxml_status(hub.post_cxml(order_request("CHG-1", lines=3, kind="update"))[1])[0] == "200"
    amended = wait_for(hub_env, number, lambda d: len(d["lines"]) == 3)
    assert [entry["action"] for entry in amended["history"]][:1] == ["create"]
    assert "update" in [entry["action"] for entry in amended["history"]]
    assert cxml_status(hub.post_cxml(order_request("CHG-1", kind="delete"))[1])[0] == "200"
    wait_for(hub_env, number, lambda d: d["status"] == "cancelled")
    listing = json.loads(cli(hub_env, "orders", "list", "--json").stdout)
    assert [o["external_order_id"] for o in listing].count("CHG-1") == 1


def test_x12_over_http_answers_with_a_997_and_makes_the_order(hub, hub_env):
    added = cli(
        hub_env, "partners", "add", "va-fsc", "--name", "VA FSC", "--channel", "x12",
        "--x12-qualifier", "ZZ", "--x12-id", "VAFSCEDI",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    time.sleep(0.1)
    status, ack = post_until_known(hub, VA)
    assert status == 200 and b"AK9*A*1*1*1~" in ack
    wait_for_order(hub_env, "36C24E25P0431")
    status, again = hub.request("POST", "/x12", VA, {"Content-Type": "application/edi-x12"})
    assert (status, again) == (200, ack)
    status, body = hub.request(
        "POST", "/x12", b"ISA*broken", {"Content-Type": "application/edi-x12"}
    )
    problem = json.loads(body)
    assert status == 400 and problem["status"] == 400 and problem["document_id"]
    assert hub.request("GET", "/healthz")[0] == 200


def post_until_known(hub, raw: bytes, timeout: float = 40.0):
    """A running hub learns of a new partner within its directory's cache time."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = hub.request("POST", "/x12", raw, {"Content-Type": "application/edi-x12"})
        if status != 401 or time.monotonic() > deadline:
            return status, body
        time.sleep(1.0)
