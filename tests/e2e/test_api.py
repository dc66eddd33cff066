"""/api/v1 on the running hub: every route in the OpenAPI document answers 401
without a token and 403 without its permission; permitted calls answer as the
document says and land in the activity log."""

from __future__ import annotations

import json
import re

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from core.access import PERMISSIONS
from hub.demo import order_request
from tests.e2e.hub_process import cli
from tests.e2e.test_hub import wait_for_order

TOKEN = re.compile(r"ob2b_[A-Za-z0-9_-]+")
SAMPLES = {"number": "SO9999999", "code": "nobody", "line": "1"}


def staff_token(env: dict, username: str, profile: str, revoke: tuple[str, ...] = ()) -> str:
    env = {**env, "STAFF_PASSWORD": "correct horse battery staple"}
    added = cli(env, "staff", "add", username, "--name", username.title(), "--profile", profile,
                "--password-env", "STAFF_PASSWORD")  # fmt: skip
    assert added.returncode == 0, added.stderr
    if revoke:
        assert cli(env, "staff", "revoke", username, *revoke).returncode == 0
    issued = cli(env, "staff", "token", "issue", username, "--label", "tests")
    assert issued.returncode == 0, issued.stderr
    return TOKEN.search(issued.stdout).group(0)


def call(hub, method: str, path: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = hub.request(method, path, b"" if method == "POST" else None, headers)
    return status, json.loads(body)


def api_routes(hub) -> tuple[dict, list[tuple[str, str, dict]]]:
    status, body = hub.request("GET", "/api/openapi.json")
    assert status == 200
    document = json.loads(body)
    validate(document)
    routes = [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
    ]
    return document, routes


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLES.get(m.group(1), "1"), path)


def test_every_route_needs_a_token_and_its_permission(hub, hub_env):
    _, routes = api_routes(hub)
    assert len(routes) >= 10
    nobody = staff_token(hub_env, "nobody", "warehouse", tuple(PERMISSIONS))
    for method, path, operation in routes:
        assert operation["x-permission"] in PERMISSIONS
        status, problem = call(hub, method, concrete(path))
        assert (status, problem["status"]) == (401, 401), (method, path)
        status, problem = call(hub, method, concrete(path), "ob2b_not-a-real-token")
        assert status == 401, (method, path)
        status, problem = call(hub, method, concrete(path), nobody)
        assert (status, problem["title"]) == (403, "Forbidden"), (method, path)
        assert operation["x-permission"] in problem["detail"]


def test_permitted_calls_answer_as_documented_and_are_logged(hub, hub_env):
    document, _ = api_routes(hub)
    admin = staff_token(hub_env, "chief", "administrator")
    assert hub.post_cxml(order_request("API-1", lines=2))[0] == 200
    number = wait_for_order(hub_env, "API-1")["number"]
    status, listing = call(hub, "GET", "/api/v1/orders?limit=1", admin)
    assert status == 200 and listing["orders"][0]["number"] == number
    status, detail = call(hub, "GET", f"/api/v1/orders/{number}", admin)
    assert status == 200 and detail["external_order_id"] == "API-1" and detail["history"]
    schema = document["paths"]["/api/v1/orders/{number}"]["get"]["responses"]["200"]
    assert not list(
        Draft202012Validator(schema["content"]["application/json"]["schema"]).iter_errors(detail)
    )
    status, problem = call(hub, "GET", "/api/v1/orders/SO9999999", admin)
    assert status == 404 and "SO9999999" in problem["detail"]
    status, problem = call(hub, "GET", "/api/v1/orders?limit=0", admin)
    assert status == 400
    status, problem = call(hub, "POST", f"/api/v1/orders/{number}/confirmation", admin)
    assert status == 409 and "needs" in problem["detail"], (
        "the demo partner has no identity of ours"
    )
    status, log = call(hub, "GET", "/api/v1/activity?staff=chief", admin)
    actions = [(entry["action"], entry["document_id"]) for entry in log["activity"]]
    assert ("get /api/v1/orders/{number}", number) in actions
    assert ("get /api/v1/orders", None) in actions
