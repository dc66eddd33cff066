"""The composition root: wires storage, adapters and processors. Nothing runs at import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from core import commands
from core.handlers import (
    bulk_invoicing,
    carts,
    catalog,
    customers,
    discussions,
    invoices,
    mail,
    payments,
    purchasing,
    quotes,
    rfqs,
    rmas,
    sales_settings,
    tasks,
)
from core.handlers.access import (
    add_staff,
    change_profile,
    disable_staff,
    issue_api_token,
    override_permissions,
    restore_profile,
    revoke_api_token,
)
from core.handlers.comments import add_order_comment
from core.handlers.documents import receive_document, receive_documents, reject_document
from core.handlers.interchanges import receive_interchange
from core.handlers.invoices import create_invoice
from core.handlers.normaliser import Normaliser
from core.handlers.order_edits import (
    add_order_line,
    change_order_addresses,
    change_order_line,
    change_order_shipping,
    change_setting,
    remove_order_line,
    request_order_confirmation,
)
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
from hub.count_cache import CountCache

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
    commands.AddCustomer: customers.add_customer,
    commands.ChangeCustomer: customers.change_customer,
    commands.AddContact: customers.add_contact,
    commands.ChangeContact: customers.change_contact,
    commands.AddAddress: customers.add_address,
    commands.ChangeAddress: customers.change_address,
    commands.AddCustomerGroup: customers.add_customer_group,
    commands.ChangeCustomerGroup: customers.change_customer_group,
    commands.AddSalesTeam: customers.add_sales_team,
    commands.ChangeSalesTeam: customers.change_sales_team,
    commands.JoinTeam: customers.join_team,
    commands.LeaveTeam: customers.leave_team,
    # products and pricing
    commands.AddProduct: catalog.add_product,
    commands.ChangeProduct: catalog.change_product,
    commands.SetProductSupplier: catalog.set_product_supplier,
    commands.SetLevelPrice: catalog.set_level_price,
    commands.SetPriceBreak: catalog.set_price_break,
    commands.AddPriceLevel: catalog.add_price_level,
    commands.ChangePriceLevel: catalog.change_price_level,
    commands.SetTaxRate: sales_settings.set_tax_rate,
    commands.AddShippingRange: sales_settings.add_shipping_range,
    commands.ChangeShippingRange: sales_settings.change_shipping_range,
    commands.AddDiscountCode: sales_settings.add_discount_code,
    commands.GenerateDiscountCodes: sales_settings.generate_discount_codes,
    commands.RedeemDiscountCode: sales_settings.redeem_discount_code,
    commands.AddBranch: sales_settings.add_branch,
    commands.ChangeBranch: sales_settings.change_branch,
    # order editing
    commands.AddOrderLine: add_order_line,
    commands.ChangeOrderLine: change_order_line,
    commands.RemoveOrderLine: remove_order_line,
    commands.ChangeOrderAddresses: change_order_addresses,
    commands.ChangeOrderShipping: change_order_shipping,
    commands.AddOrderComment: add_order_comment,
    commands.RequestOrderConfirmation: request_order_confirmation,
    commands.ChangeSetting: change_setting,
    # quotes and RFQs
    commands.CreateQuote: quotes.create_quote,
    commands.ChangeQuote: quotes.change_quote,
    commands.AddQuoteVersion: quotes.add_quote_version,
    commands.ChangeQuoteVersion: quotes.change_quote_version,
    commands.AddQuoteLines: quotes.add_quote_lines,
    commands.ChangeQuoteLine: quotes.change_quote_line,
    commands.SendQuoteVersion: quotes.send_quote_version,
    commands.ConvertQuote: quotes.convert_quote,
    commands.ReceiveRfq: rfqs.receive_rfq,
    commands.QuoteRfq: rfqs.quote_rfq,
    commands.DeclineRfq: rfqs.decline_rfq,
    commands.CreateCart: carts.create_cart,
    commands.ChangeCart: carts.change_cart,
    commands.AddCartLines: carts.add_cart_lines,
    commands.ChangeCartLine: carts.change_cart_line,
    commands.SubmitCart: carts.submit_cart,
    # >>> invoices (issue 5)
    commands.InvoiceOrder: invoices.invoice_order,
    commands.UploadInvoice: invoices.upload_invoice,
    commands.ChangeInvoice: invoices.change_invoice,
    commands.ChangeInvoiceLine: invoices.change_invoice_line,
    commands.AddInvoiceLine: invoices.add_invoice_line,
    commands.CreditInvoice: invoices.credit_invoice,
    commands.MarkInvoiceSent: invoices.mark_invoice_sent,
    commands.SetInvoicingRule: invoices.set_invoicing_rule,
    commands.InvoiceReadyOrders: bulk_invoicing.invoice_ready_orders,
    # <<< invoices
    # >>> purchasing and shipments from suppliers (issue 5)
    commands.AddSupplier: purchasing.add_supplier,
    commands.ChangeSupplier: purchasing.change_supplier,
    commands.AssignSupplier: purchasing.assign_supplier,
    commands.ChangePurchaseOrder: purchasing.change_purchase_order,
    commands.ChangePurchaseOrderLine: purchasing.change_purchase_order_line,
    commands.SendPurchaseOrder: purchasing.send_purchase_order,
    commands.CancelPurchaseOrder: purchasing.cancel_purchase_order,
    commands.CommentPurchaseOrder: purchasing.comment_purchase_order,
    commands.RecordSupplierShipment: purchasing.record_supplier_shipment,
    commands.RecordSupplierConfirmation: purchasing.record_supplier_confirmation,
    commands.RefreshSupplierAvailability: purchasing.refresh_supplier_availability,
    # <<< purchasing
    # >>> payments (issue 5)
    commands.TakePayment: payments.take_payment,
    commands.ChangePayment: payments.change_payment,
    commands.RecordPaymentAnswer: payments.record_payment_answer,
    commands.ReceivePayment: payments.receive_payment,
    # <<< payments
    # >>> mail (issue 6)
    commands.QueueMail: mail.queue_mail,
    commands.ReceiveMail: mail.receive_mail,
    commands.RouteMail: mail.route_mail,
    commands.RetryMail: mail.retry_mail,
    # <<< mail
    **rmas.HANDLERS,
    **tasks.HANDLERS,
    **discussions.HANDLERS,
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


def supplier_parsers() -> dict[str, Callable[[bytes, str | None], list]]:
    """Readers of what suppliers send about our purchase orders (ship notices and
    confirmations), per channel: each gives [] for a document that is none of these."""
    from adapters.suppliers.rest_orders import parse_order_shipments
    from hub.supplier_documents import read_cxml, read_x12

    return {"cxml": read_cxml, "x12": read_x12, "rest": parse_order_shipments}


def channel_redactors() -> dict[str, Callable[[bytes], bytes]]:
    """What must not be kept of a raw document (full card numbers), per channel."""
    from adapters.cxml.parse import mask_card_numbers

    return {"cxml": mask_card_numbers}


def post_office(config: Config, engine: Engine):
    """What composes the hub's letters: its settings, templates and reply key."""
    from hub.mailing.letters import Post
    from hub.mailing.settings import reply_key
    from hub.secrets import hub_secret

    key = reply_key(hub_secret(config))
    return Post(engine, config.mail, config.data_dir / "mail_templates", key)


def mail_processors(config: Config, engine: Engine) -> list[Processor]:
    from hub.mailing.mailer import Mailer
    from hub.mailing.router import MailRouter
    from hub.mailing.staff_notices import StaffNotices

    post = post_office(config, engine)
    return [Mailer(post), StaffNotices(post), MailRouter(engine, config.mail, post.key)]


@dataclass
class App:
    config: Config
    engine: Engine
    uow_factory: SqlUnitOfWorkFactory
    bus: MessageBus
    counts: CountCache = field(init=False)

    def __post_init__(self) -> None:
        self.counts = CountCache(lambda: self.uow_factory.commits)

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
    from core.handlers.invoices import InvoicesSent
    from hub.outbound.ship_notices import BuyerShipNotices

    processors = [
        Normaliser(channel_parsers(), supplier_parsers()),
        PunchOutOrders(),
        BuyerShipNotices(config),
        InvoicesSent(),
        *mail_processors(config, engine),
        *extra_processors,
    ]
    bus = MessageBus(uow_factory, COMMAND_HANDLERS, processors)
    return App(config, engine, uow_factory, bus)
