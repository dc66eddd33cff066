"""The hub's service tree: HTTP, consumers or in-process delivery, outbox relay.

`make_service(app)` builds it without side effects; Twisted starts children in
order and stops them in reverse, so HTTP stops taking requests first, then the
workers finish their batch, then the relay publishes what is left.
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading

from twisted.application import service
from twisted.internet import reactor as default_reactor
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread
from twisted.python.threadpool import ThreadPool
from twisted.web.resource import Resource
from twisted.web.server import Site

from core.storage import dead_letters, outbox
from core.storage.statistics import StatisticsKeeper
from hub.activity_writer import ActivityWriter
from hub.amqp.consumer import QueueConsumer
from hub.amqp.relay import OutboxRelay
from hub.amqp.topology import Topology
from hub.bootstrap import App
from hub.delivery import InProcessDelivery
from hub.health import broker_check, database_check
from hub.http.cxml import CxmlResource
from hub.http.intake_queue import IntakeQueue
from hub.http.limits import bounded_request_factory
from hub.http.openapi import OpenApiResource
from hub.http.ops import HealthResource, MetricsResource
from hub.http.punchout import PunchOutResource
from hub.http.quote_portal import QuotePortalResource
from hub.http.rfq_form import RfqFormResource
from hub.intake import CxmlIntake
from hub.metrics import Metrics
from hub.partners import PartnerDirectory
from hub.supervisor import WorkerProcesses

log = logging.getLogger("orderb2b.service")


class ThreadPoolService(service.Service):
    def __init__(self, pool: ThreadPool) -> None:
        self.pool = pool

    def startService(self) -> None:
        super().startService()
        self.pool.start()

    def stopService(self):
        super().stopService()
        return deferToThread(self.pool.stop)


class WorkerThreadService(service.Service):
    """Runs `worker.run(stopping)` in a thread; stopping waits for it to finish."""

    def __init__(self, name: str, worker) -> None:
        self.setName(name)
        self.worker = worker
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def startService(self) -> None:
        super().startService()
        self.thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.worker.run(self.stopping)
        except Exception:
            log.exception("worker stopped by an error", extra={"worker": self.name})

    def stopService(self):
        super().stopService()
        self.stopping.set()
        wake = getattr(self.worker, "wake", None)
        if wake:
            wake()
        return deferToThread(self.thread.join, 30)


class HttpService(service.Service):
    """Listens for HTTP; on stop, closes the port and waits for requests in flight."""

    def __init__(self, site: Site, host: str, port: int, reactor) -> None:
        self.setName("http")
        self.site = site
        self.host = host
        self.port = port
        self.reactor = reactor
        self.listening = None

    def startService(self) -> None:
        super().startService()
        self.listening = self.reactor.listenTCP(self.port, self.site, interface=self.host)

    @property
    def bound_port(self) -> int:
        return self.listening.getHost().port

    async def _drain(self) -> None:
        await self.listening.stopListening()
        for _ in range(200):
            if not any(getattr(c, "requests", None) for c in _open_channels(self.site)):
                return
            await task.deferLater(self.reactor, 0.05, lambda: None)

    def stopService(self):
        super().stopService()
        return Deferred.fromCoroutine(self._drain())


def _open_channels(site: Site) -> list:
    return list(getattr(site, "open_channels", ()))


class TrackingSite(Site):
    """A Site that knows its open connections, so shutdown can wait for them."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.open_channels: set = set()

    def buildProtocol(self, addr):
        channel = super().buildProtocol(addr)
        original_lost = channel.connectionLost
        self.open_channels.add(channel)

        def lost(reason, _channel=channel):
            self.open_channels.discard(_channel)
            return original_lost(reason)

        channel.connectionLost = lost
        return channel

    def log(self, request) -> None:
        """No access log line per request: /metrics counts requests by status instead."""


def topology_for(app: App) -> Topology:
    return Topology(app.config.amqp_prefix, app.config.retry_delays)


def processor_keys(app: App) -> dict[str, tuple[str, ...]]:
    return {name: p.routing_keys for name, p in app.bus.processors.items()}


def make_service(app: App, reactor=default_reactor) -> service.MultiService:
    config = app.config
    metrics = Metrics()
    root = service.MultiService()
    pool = ThreadPool(minthreads=2, maxthreads=config.thread_pool_size, name="orderb2b-io")
    ThreadPoolService(pool).setServiceParent(root)
    wake = None
    relay_in_children = _relay_in_children(config)
    if "worker" in config.roles:
        wake = _add_workers(root, app, metrics, reactor, relay_in_children)
    if "relay" in config.roles and not config.embedded and not relay_in_children:
        relay = OutboxRelay(
            app.engine,
            config.amqp_url,
            topology_for(app),
            processor_keys(app),
            pack_size=config.batch_size,
            metrics=metrics,
        )
        WorkerThreadService("relay", relay).setServiceParent(root)
        wake = _chain(wake, relay.wake)
    app.uow_factory.on_commit = wake
    if "http" in config.roles:
        intake = CxmlIntake(app.bus, PartnerDirectory(app.uow_factory), config.max_document_bytes)
        intake_queue = IntakeQueue(intake, reactor)
        # On SQLite one writer at a time is all there is; on PostgreSQL a second
        # thread checks the next documents while the first waits for its commit.
        for n in range(1 if config.embedded else config.intake_threads):
            WorkerThreadService(f"intake-{n}", intake_queue).setServiceParent(root)
        activity_writer = ActivityWriter(app.engine)
        WorkerThreadService("activity", activity_writer).setServiceParent(root)
        site = build_site(app, reactor, pool, metrics, intake_queue, activity_writer)
        HttpService(site, config.http_host, config.http_port, reactor).setServiceParent(root)
        if config.smtp_door is not None:
            _smtp_door(app, reactor).setServiceParent(root)
    return root


def _relay_in_children(config) -> bool:
    """With worker processes, they relay the outbox too: the HTTP process keeps its
    interpreter for requests, and relays in several processes share the outbox."""
    return bool(
        config.worker_processes and not config.embedded and {"worker", "relay"} <= set(config.roles)
    )


def _add_workers(root, app: App, metrics: Metrics, reactor, relay_in_children: bool):
    config = app.config
    if config.worker_processes and not config.embedded:
        roles = ("worker", "relay") if relay_in_children else ("worker",)
        WorkerProcesses(config.worker_processes, reactor, roles).setServiceParent(root)
        return None
    if app.engine.dialect.name == "postgresql":
        WorkerThreadService("statistics", StatisticsKeeper(app.engine)).setServiceParent(root)
    _add_partner_services(root, app)
    if config.embedded:
        delivery = InProcessDelivery(app.bus, app.engine, config, metrics)
        WorkerThreadService("delivery", delivery).setServiceParent(root)
        return delivery.wake
    for processor in app.bus.processors.values():
        consumer = QueueConsumer(
            app.bus,
            app.engine,
            config.amqp_url,
            topology_for(app),
            processor,
            prefetch=config.prefetch,
            batch_size=config.batch_size,
            max_attempts=config.max_attempts,
            metrics=metrics,
        )
        WorkerThreadService(f"consumer:{processor.name}", consumer).setServiceParent(root)
    return None


def _add_partner_services(root, app: App) -> None:
    """Delivery of documents to partners, and a poller per marketplace account."""
    from hub.outbound.sender import OutboundSender
    from hub.outbound.verdicts import INTERPRETERS

    sender = OutboundSender(app.uow_factory, INTERPRETERS)
    WorkerThreadService("outbound", sender).setServiceParent(root)
    _add_mail_services(root, app)
    for poller in _pollers(app):
        WorkerThreadService(f"poller:{poller.name}", poller).setServiceParent(root)


def _add_mail_services(root, app: App) -> None:
    """The sender of queued mail and the IMAP door, when they are configured."""
    from hub.mailing.desk import receiver
    from hub.mailing.sender import MailSender
    from mail.imap_door import ImapDoor

    config = app.config
    if config.smtp is not None:
        sender = MailSender(app.uow_factory, config.smtp)
        WorkerThreadService("mail-sender", sender).setServiceParent(root)
    if config.imap is not None:
        door = ImapDoor(config.imap, receiver(app, "imap"))
        WorkerThreadService("imap", door).setServiceParent(root)


def _smtp_door(app: App, reactor):
    from hub.mailing.desk import receiver
    from hub.mailing.smtp_door import SmtpDoor

    door = app.config.smtp_door
    return SmtpDoor(
        receiver(app, "smtp"),
        host=door.host,
        port=door.port,
        domains=door.domains,
        max_bytes=door.max_bytes,
        reactor=reactor,
    )


def _pollers(app: App) -> list:
    from hub.ingest import keep_polled
    from hub.pollers.base import Poller
    from hub.pollers.cursors import SqlCursorStore
    from hub.pollers.sources import marketplace_sources
    from hub.secrets import SecretBox
    from hub.supplier_tracking import tracking_sources

    with app.uow_factory() as uow:
        partners = uow.partners.list_all()
        uow.detach()
    sources = marketplace_sources(partners, SecretBox.for_config(app.config))
    keep, cursors = keep_polled(app), SqlCursorStore(app.engine)
    sources += tracking_sources(app)
    interval = app.config.poll_interval
    return [
        Poller(source, keep, cursors, interval=interval, lease=cursors.hold) for source in sources
    ]


def _mail_gauges(app: App, metrics: Metrics) -> None:
    from core.storage.mail_queries import waiting

    for name, text, table, states in (
        (
            "orderb2b_mail_unsent",
            "messages waiting for the mail server",
            "outgoing_mail",
            ("pending",),
        ),
        (
            "orderb2b_mail_undelivered",
            "messages the mail server refused, that failed or bounced",
            "outgoing_mail",
            ("failed", "refused", "bounced"),
        ),
        (
            "orderb2b_mail_triage",
            "received messages waiting for staff",
            "inbound_mail",
            ("triage",),
        ),
    ):
        metrics.gauge(
            name, text, lambda table=table, states=states: waiting(app.engine, table, states)
        )


def _x12_resource(app: App, reactor, pool: ThreadPool, metrics: Metrics):
    from hub.http.x12 import X12Resource
    from hub.x12_intake import X12Intake

    partners = PartnerDirectory(app.uow_factory)
    intake = X12Intake(app.bus, app.uow_factory, partners, app.config.max_document_bytes)
    return X12Resource(intake, reactor, pool, metrics)


def _api_resource(app: App, reactor, pool: ThreadPool, activity_writer):
    from hub.api.resource import ApiResource

    return ApiResource(app, reactor, pool, activity_writer)


def _version() -> str:
    try:
        return importlib.metadata.version("orderb2b")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _chain(first, second):
    if first is None:
        return second

    def both() -> None:
        first()
        second()

    return both


def build_site(
    app: App,
    reactor,
    pool: ThreadPool,
    metrics: Metrics,
    intake: IntakeQueue,
    activity_writer: ActivityWriter | None = None,
) -> Site:
    config = app.config
    metrics.gauge(
        "orderb2b_outbox_backlog",
        "outbox messages not yet sent",
        lambda: outbox.backlog(app.engine),
    )
    metrics.gauge(
        "orderb2b_dead_letters",
        "dead letters awaiting replay",
        lambda: dead_letters.waiting(app.engine),
    )
    _mail_gauges(app, metrics)
    root = Resource()
    public_url = config.public_url or f"http://{config.http_host}:{config.http_port}"
    root.putChild(b"x12", _x12_resource(app, reactor, pool, metrics))
    root.putChild(b"cxml", CxmlResource(intake, metrics, public_url))
    root.putChild(
        b"punchout", PunchOutResource(app.bus, app.uow_factory, reactor, pool, public_url)
    )
    checks = {"database": database_check(app.engine), "broker": broker_check(config.amqp_url)}
    root.putChild(b"healthz", HealthResource(reactor, pool, checks))
    root.putChild(b"metrics", MetricsResource(reactor, pool, metrics))
    root.putChild(b"quote", QuotePortalResource(app, reactor, pool))
    root.putChild(b"rfq", RfqFormResource(app.bus, reactor, pool))
    api = Resource()
    api.putChild(b"openapi.json", OpenApiResource(_version()))
    api.putChild(b"v1", _api_resource(app, reactor, pool, activity_writer))
    root.putChild(b"api", api)
    site = TrackingSite(root)
    site.requestFactory = bounded_request_factory(config.max_document_bytes)
    site.displayTracebacks = False
    return site
