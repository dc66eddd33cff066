"""Runs `orderb2b run` as a child process for end-to-end tests and benchmarks."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class HubProcess:
    def __init__(self, env: dict[str, str], roles: str = "http,worker,relay", log_path=None):
        self.port = int(env.get("ORDERB2B_HTTP_PORT") or free_port())
        self.env = {**os.environ, **env, "ORDERB2B_HTTP_PORT": str(self.port)}
        self.roles = roles
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, wait: bool = True) -> HubProcess:
        # The child keeps writing to it after this method returns.
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "run", "--roles", self.roles],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=log,
        )
        if wait and "http" in self.roles:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}")
            try:
                status, _ = self.request("GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError("hub did not become healthy")

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def post_cxml(self, body: bytes):
        return self.request("POST", "/cxml", body, {"Content-Type": "text/xml"})

    def terminate(self, timeout: float = 30.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.kill()


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env={**env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
