"""API answers say how long the hub spent on them (Server-Timing)."""

from __future__ import annotations

import http.client
import re

from tests.e2e.test_api import staff_token

SERVER_TIMING = re.compile(r"app;dur=(\d+\.\d\d)")


def test_api_answers_carry_server_timing(hub, hub_env):
    token = staff_token(hub_env, "timer", "administrator")
    connection = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        connection.request("GET", "/api/v1/orders?status=new&limit=50", headers=headers)
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 200
    timing = SERVER_TIMING.fullmatch(response.getheader("Server-Timing", ""))
    assert timing is not None and 0 < float(timing.group(1)) < 30_000
