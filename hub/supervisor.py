"""Worker processes: consumers in child processes, so the hub uses more than one core.

Each child runs `orderb2b run --roles worker` with the parent's environment and
output. A child that dies is started again after a pause; stopping the parent
stops the children with SIGTERM (they drain their batch) and waits for them.
"""

from __future__ import annotations

import logging
import os
import sys

from twisted.application import service
from twisted.internet import protocol
from twisted.internet.defer import Deferred, DeferredList

log = logging.getLogger("orderb2b.supervisor")
RESTART_DELAY = 1.0
STOP_TIMEOUT = 30.0


class _Child(protocol.ProcessProtocol):
    def __init__(self, supervisor: WorkerProcesses, slot: int) -> None:
        self.supervisor = supervisor
        self.slot = slot
        self.ended: Deferred = Deferred()

    def processEnded(self, reason) -> None:
        self.ended.callback(reason.value.exitCode)
        self.supervisor.child_ended(self)


class WorkerProcesses(service.Service):
    def __init__(self, count: int, reactor, roles: tuple[str, ...] = ("worker",)) -> None:
        self.setName("worker-processes")
        self.count = count
        self.roles = roles
        self.reactor = reactor
        self.children: dict[int, _Child] = {}
        self.transports: dict[int, object] = {}

    def startService(self) -> None:
        super().startService()
        for slot in range(self.count):
            self._spawn(slot)

    def _spawn(self, slot: int) -> None:
        child = _Child(self, slot)
        command = [
            *(sys.executable, "-m", "hub.cli", "run"),
            *("--roles", ",".join(self.roles), "--worker-processes", "0"),
        ]
        self.transports[slot] = self.reactor.spawnProcess(
            child, sys.executable, command, env=dict(os.environ), childFDs={0: "w", 1: 1, 2: 2}
        )
        self.children[slot] = child
        log.info("worker process started", extra={"slot": slot, "pid": self.transports[slot].pid})

    def child_ended(self, child: _Child) -> None:
        if self.children.get(child.slot) is not child:
            return
        del self.children[child.slot]
        if self.running:
            log.warning("worker process ended; starting it again", extra={"slot": child.slot})
            self.reactor.callLater(RESTART_DELAY, self._restart, child.slot)

    def _restart(self, slot: int) -> None:
        if self.running and slot not in self.children:
            self._spawn(slot)

    def stopService(self):
        super().stopService()
        waiting = [child.ended for child in self.children.values()]
        for slot in self.children:
            self.transports[slot].signalProcess("TERM")
        killer = self.reactor.callLater(STOP_TIMEOUT, self._kill_remaining)
        done = DeferredList(waiting)
        done.addBoth(lambda _: killer.active() and killer.cancel())
        return done

    def _kill_remaining(self) -> None:
        for slot in list(self.children):
            self.transports[slot].signalProcess("KILL")
