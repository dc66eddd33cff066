"""The composition root: wires storage, adapters and processors. Nothing runs at import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from core import commands
from core.handlers.access import (
    add_staff,
    change_profile,
    disable_staff,
    issue_api_token,
    override_permissions,
    restore_profile,
    revoke_api_token,
)
from core.handlers.documents import receive_document, receive_documents, reject_document
from core.handlers.interchanges import receive_interchange
from core.handlers.invoices import create_invoice
from core.handlers.normaliser import Normaliser
from core.handlers.order_status import backorder_line, change_order_status
from core.handlers.orders import ingest_order
from core.handlers.outbound import queue_outbound
from core.handlers.partners import add_partner, change_partner
from core.handlers.punchout import (
    PunchOutOrders,
    add_to_cart,
    change_cart_line,
    open_session,
    remove_cart_line,
    return_cart,
    start_session,
)
from core.handlers.shipments import record_shipment
from core.messagebus import MessageBus, Processor
from core.ports import DocumentParser
from core.storage.engine import make_engine
from core.storage.migrate import upgrade
from core.storage.uow import SqlUnitOfWorkFactory
from hub.config import Config

COMMAND_HANDLERS = {
    commands.ReceiveDocument: receive_document,
    commands.RejectDocument: reject_document,
    commands.ReceiveDocuments: receive_documents,
    commands.IngestOrder: ingest_order,
    commands.AddPartner: add_partner,
    commands.ChangePartner: change_partner,
    commands.QueueOutbound: queue_outbound,
    commands.ReceiveInterchange: receive_interchange,
    commands.OpenPunchOutSession: open_session,
    commands.StartPunchOutSession: start_session,
    commands.AddToPunchOutCart: add_to_cart,
    commands.ChangePunchOutCartLine: change_cart_line,
    commands.RemovePunchOutCartLine: remove_cart_line,
    commands.ReturnPunchOutCart: return_cart,
    commands.RecordShipment: record_shipment,
    commands.CreateInvoice: create_invoice,
    commands.AddStaff: add_staff,
    commands.DisableStaff: disable_staff,
    commands.IssueApiToken: issue_api_token,
    commands.RevokeApiToken: revoke_api_token,
    commands.ChangeProfile: change_profile,
    commands.RestoreProfile: restore_profile,
    commands.OverridePermissions: override_permissions,
    commands.ChangeOrderStatus: change_order_status,
    commands.BackorderLine: backorder_line,
    # customers and teams
    # products and pricing
    # order editing
    # quotes and RFQs
}


def channel_parsers() -> dict[str, DocumentParser]:
    from adapters.cxml.parse import parse as parse_cxml
    from adapters.mws.parse import parse as parse_mws
    from adapters.newegg.parse import parse as parse_newegg
    from adapters.spapi.parse import parse as parse_spapi
    from adapters.x12.parse import parse as parse_x12

    return {
        "cxml": parse_cxml,
        "mws": parse_mws,
        "spapi": parse_spapi,
        "newegg": parse_newegg,
        "x12": parse_x12,
    }


def channel_redactors() -> dict[str, Callable[[bytes], bytes]]:
    """What must not be kept of a raw document (full card numbers), per channel."""
    from adapters.cxml.parse import mask_card_numbers

    return {"cxml": mask_card_numbers}


@dataclass
class App:
    config: Config
    engine: Engine
    uow_factory: SqlUnitOfWorkFactory
    bus: MessageBus

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(
    config: Config, *, extra_processors: Sequence[Processor] = (), migrate: bool = False
) -> App:
    if config.database_url.startswith("sqlite"):
        config.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url, pool_size=config.thread_pool_size + 4)
    if migrate:
        upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(engine)
    processors = [Normaliser(channel_parsers()), PunchOutOrders(), *extra_processors]
    bus = MessageBus(uow_factory, COMMAND_HANDLERS, processors)
    return App(config, engine, uow_factory, bus)
