"""A RabbitMQ node of the test's own: its name, ports, data, logs and cookie are
private, so stopping or killing it never touches the machine's shared broker.

The node is started from the real scripts of the installed RabbitMQ (the directory
holding `rabbitmq-server` next to `rabbitmq-env`), not through a distribution's
wrapper (e.g. Debian's) that switches to the `rabbitmq` user and its data
directory. Set ORDERB2B_TEST_RABBITMQ_SBIN to that directory if it is not found
from PATH. The node registers with the machine's epmd, as every Erlang node does.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pika

SBIN_VARIABLE = "ORDERB2B_TEST_RABBITMQ_SBIN"
CONFIG = """\
loopback_users.guest = true
disk_free_limit.absolute = 50MB
log.console = false
log.file.level = info
"""


def rabbitmq_sbin() -> Path | None:
    """The directory of the real `rabbitmq-server` script, or None if not installed."""
    candidates = []
    if os.environ.get(SBIN_VARIABLE):
        candidates.append(Path(os.environ[SBIN_VARIABLE]))
    found = shutil.which("rabbitmq-server")
    if found:
        candidates.append(Path(found).resolve().parent)
    for directory in candidates:
        if (directory / "rabbitmq-server").is_file() and (directory / "rabbitmq-env").is_file():
            return directory
    return None


def quiet_port() -> int:
    """A free port below the usual ephemeral range, so that it is still free when
    the node starts again on it (an outgoing connection cannot have taken it)."""
    for _ in range(100):
        port = random.randint(20_000, 32_000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port between 20000 and 32000")


class PrivateRabbit:
    """start() waits for a guest login; stop() is graceful; kill() is SIGKILL.

    start() may be called again after stop() or kill(): same node, port and data.
    """

    def __init__(self, base: Path, sbin: Path) -> None:
        self.base = base
        self.sbin = sbin
        self.node = f"orderb2b-test-{uuid.uuid4().hex[:8]}@localhost"
        self.port = quiet_port()
        self.dist_port = quiet_port()
        self.process: subprocess.Popen | None = None
        self.env = self._environment()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    @property
    def log_path(self) -> Path:
        return self.base / "server.log"

    def _environment(self) -> dict[str, str]:
        for name in ("home", "mnesia", "log"):
            (self.base / name).mkdir(parents=True, exist_ok=True)
        (self.base / "enabled_plugins").write_text("[].\n")
        (self.base / "rabbitmq-env.conf").write_text("")
        (self.base / "rabbitmq.conf").write_text(CONFIG)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RABBITMQ_")}
        env.update(
            HOME=str(self.base / "home"),  # the Erlang cookie of this node and its CLI
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_CONF_ENV_FILE=str(self.base / "rabbitmq-env.conf"),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(self.base / "advanced.config"),
            RABBITMQ_PID_FILE=str(self.base / "rabbit.pid"),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}",
        )
        return env

    def start(self, timeout: float = 90.0) -> PrivateRabbit:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.sbin / "rabbitmq-server")],
                env=self.env,
                cwd=self.base,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, for kill()
            )
        self._await_login(timeout)
        return self

    def _await_login(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        parameters = pika.URLParameters(self.url)
        parameters.connection_attempts = 1
        parameters.socket_timeout = 2
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"rabbitmq-server exited with {self.process.returncode}\n{self.log_tail()}"
                )
            try:
                pika.BlockingConnection(parameters).close()
                return
            except pika.exceptions.AMQPError:
                time.sleep(0.3)
        self.kill()
        raise TimeoutError(f"private RabbitMQ did not accept a login\n{self.log_tail()}")

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 60.0) -> None:
        """`rabbitmqctl stop` (SIGTERM to the script if that fails); kill if it hangs."""
        if not self.running():
            return
        if not self._ctl("stop", timeout=timeout):
            self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def _ctl(self, *args: str, timeout: float) -> bool:
        try:
            result = subprocess.run(
                [str(self.sbin / "rabbitmqctl"), "-n", self.node, *args],
                env=self.env,
                cwd=self.base,
                capture_output=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return False
        return result.returncode == 0

    def kill(self) -> None:
        """SIGKILL the process group started for the node (the script and the VM)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def log_tail(self, lines: int = 40) -> str:
        parts = []
        for path in [self.log_path, *sorted((self.base / "log").glob("*.log"))]:
            if path.is_file():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)
