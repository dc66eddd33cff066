"""Runs the hub under Twisted's asyncio reactor until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from hub import logs

log = logging.getLogger("orderb2b.run")


def install_reactor():
    from twisted.internet import asyncioreactor

    # A reactor may be installed already (e.g. in tests): then use it.
    with contextlib.suppress(Exception):
        asyncioreactor.install(asyncio.new_event_loop())
    from twisted.internet import reactor

    return reactor


def _twisted_logs_to_ours() -> None:
    """Twisted's own messages (unhandled errors above all) go to our structured log."""
    from twisted.logger import STDLibLogObserver, globalLogBeginner

    globalLogBeginner.beginLoggingTo([STDLibLogObserver(name="twisted")], redirectStandardIO=False)


def run_hub(roles: tuple[str, ...], worker_processes: int | None = None) -> int:
    logs.configure()
    reactor = install_reactor()
    _twisted_logs_to_ours()
    from hub.bootstrap import bootstrap
    from hub.config import Config
    from hub.service import make_service

    overrides = {} if worker_processes is None else {"worker_processes": worker_processes}
    config = Config.from_env(roles=roles, **overrides)
    app = bootstrap(config, migrate=True)
    root = make_service(app, reactor)
    root.startService()
    reactor.addSystemEventTrigger("before", "shutdown", root.stopService)
    reactor.addSystemEventTrigger("after", "shutdown", app.close)
    if "http" in roles:
        _announce(config)
    log.info("hub started", extra={"roles": list(roles), "embedded": config.embedded})
    reactor.run()
    log.info("hub stopped")
    return 0


def _announce(config) -> None:
    print(f"Order B2B is running at http://{config.http_host}:{config.http_port}/", flush=True)
    login = config.data_dir / "demo-login.txt"
    if login.is_file():
        user, password = login.read_text().split()
        print(f"staff login: {user} / {password}", flush=True)
