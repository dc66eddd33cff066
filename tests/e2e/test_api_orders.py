"""/api/v1 orders on the running hub: filtered lists with keyset pages, counts per
status, and the status workflow (a refused step answers 409), on both storage paths."""

from __future__ import annotations

import json

from tests.e2e.test_api import api_routes, call, staff_token
from tests.e2e.test_hub import wait_for_order

DEMO = ("DEMO-0001", "DEMO-0002", "DEMO-0003")


def post_json(hub, path: str, token: str, body: bytes):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, answer = hub.request("POST", path, body, headers)
    return status, json.loads(answer)


def change(hub, token: str, number: str, action: str, reason: str | None = None):
    body = json.dumps({"action": action, "reason": reason}).encode()
    return post_json(hub, f"/api/v1/orders/{number}/status", token, body)


def test_lists_counts_and_status_changes(hub, hub_env):
    admin = staff_token(hub_env, "chief", "administrator")
    numbers = {external: wait_for_order(hub_env, external)["number"] for external in DEMO}
    first, second = numbers["DEMO-0001"], numbers["DEMO-0002"]

    status, counts = call(hub, "GET", "/api/v1/orders/counts", admin)
    assert status == 200 and counts["counts"]["new"] == 3 and counts["total"] == 3
    status, page = call(hub, "GET", "/api/v1/orders?partner=gsa-advantage&limit=2", admin)
    assert [o["external_order_id"] for o in page["orders"]] == ["DEMO-0003", "DEMO-0002"]
    status, rest = call(hub, "GET", f"/api/v1/orders?limit=2&after={page['next']}", admin)
    assert [o["number"] for o in rest["orders"]] == [first] and rest["next"] is None
    status, found = call(hub, "GET", "/api/v1/orders?text=demo-0002&min_total=0.01", admin)
    assert [o["number"] for o in found["orders"]] == [second]
    status, problem = call(hub, "GET", "/api/v1/orders?since=last-week", admin)
    assert status == 400 and "since" in problem["detail"]

    status, moved = change(hub, admin, first, "start")
    assert (status, moved["previous_status"], moved["status"]) == (200, "new", "in_progress")
    status, problem = change(hub, admin, first, "close")
    assert status == 409 and "cannot go from in_progress to closed" in problem["detail"]
    status, moved = change(hub, admin, second, "hold", "buyer asked to wait")
    assert (status, moved["status"]) == (200, "on_hold")
    status, problem = change(hub, admin, second, "hold")
    assert status == 400 and "a hold needs a reason" in problem["detail"]
    status, problem = change(hub, admin, second, "archive")
    assert status == 400 and "action must be one of" in problem["detail"]
    status, problem = post_json(hub, f"/api/v1/orders/{second}/status", admin, b"{not json")
    assert status == 400 and "not JSON" in problem["detail"]
    big = json.dumps({"action": "start", "reason": "x" * 70_000}).encode()
    status, problem = post_json(hub, f"/api/v1/orders/{second}/status", admin, big)
    assert status == 413

    path = f"/api/v1/orders/{first}/lines/2/backorder"
    body = json.dumps({"quantity": "1", "expected_date": "2026-05-04"}).encode()
    status, answer = post_json(hub, path, admin, body)
    assert (status, answer["previous_status"], answer["status"]) == (
        200,
        "in_progress",
        "backordered",
    )
    status, problem = post_json(hub, path, admin, b'{"quantity": "999"}')
    assert status == 409 and "left to ship" in problem["detail"]

    status, counts = call(hub, "GET", "/api/v1/orders/counts?partner=gsa-advantage", admin)
    assert (counts["counts"]["new"], counts["counts"]["backordered"]) == (1, 1)
    assert counts["counts"]["on_hold"] == 1
    status, held = call(hub, "GET", "/api/v1/orders?status=on_hold", admin)
    assert [o["number"] for o in held["orders"]] == [second]
    status, detail = call(hub, "GET", f"/api/v1/orders/{first}", admin)
    changes = [e["changes"]["status"] for e in detail["history"] if "status" in e["changes"]]
    assert changes[-2:] == [
        {"old": "new", "new": "in_progress"},
        {"old": "in_progress", "new": "backordered"},
    ]
    assert detail["history"][-1]["actor"] == "chief"


def test_status_changes_need_orders_edit_and_filters_are_documented(hub, hub_env):
    viewer = staff_token(hub_env, "picker", "warehouse")
    number = wait_for_order(hub_env, "DEMO-0001")["number"]
    status, problem = change(hub, viewer, number, "start")
    assert status == 403 and "orders.edit" in problem["detail"]
    status, counts = call(hub, "GET", "/api/v1/orders/counts", viewer)
    assert status == 200 and counts["counts"]["in_progress"] == 0
    document, _ = api_routes(hub)
    listing = document["paths"]["/api/v1/orders"]["get"]["parameters"]
    assert {"channel", "partner", "since", "until", "min_total", "max_total", "text", "after"} <= {
        p["name"] for p in listing
    }
    assert document["paths"]["/api/v1/orders/counts"]["get"]["x-permission"] == "orders.view"
