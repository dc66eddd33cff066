"""Fixtures for tests against a running hub: on the embedded default and on
PostgreSQL + RabbitMQ, with the demo data loaded."""

from __future__ import annotations

import os

import pytest

from tests.conftest import AMQP_URL
from tests.e2e.hub_process import HubProcess, cli


@pytest.fixture(params=["embedded", "postgresql+rabbitmq"])
def hub_env(request, data_dir):
    env = {**os.environ, "ORDERB2B_DATA_DIR": str(data_dir)}
    for name in ("ORDERB2B_DATABASE_URL", "ORDERB2B_AMQP_URL", "ORDERB2B_PUBLIC_URL"):
        env.pop(name, None)
    if request.param != "embedded":
        env["ORDERB2B_DATABASE_URL"] = request.getfixturevalue("pg_url")
        env["ORDERB2B_AMQP_URL"] = AMQP_URL
        env["ORDERB2B_AMQP_PREFIX"] = request.getfixturevalue("amqp_prefix")
    result = cli(env, "demo")
    assert result.returncode == 0, result.stderr
    assert "staff login: admin / " in result.stdout
    return env


@pytest.fixture
def hub(hub_env, tmp_path):
    with HubProcess(hub_env, log_path=tmp_path / "hub.log") as process:
        yield process
