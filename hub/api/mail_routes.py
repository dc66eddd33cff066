"""/api/v1 mail: email a customer from a document, the messages of a document, the
triage list of received mail nobody could place, and messages that failed."""

from __future__ import annotations

from core.storage import mail_queries
from hub.api.bodies import flag_field, path_number, scope_of, text_field
from hub.api.common import LIMIT, BadQuery, Raw, Route, actor_of, limit_of
from hub.mailing import desk

# Who may write about, and see the mail of, each kind of document.
DOCUMENTS = {
    "orders": ("order", "orders.edit", "orders.view"),
    "quotes": ("quote", "quotes.send", "quotes.view"),
    "invoices": ("invoice", "invoices.manage", "invoices.view"),
    "shipments": ("shipment", "shipments.manage", "shipments.view"),
    "purchase-orders": ("purchase_order", "purchasing.manage", "purchasing.manage"),
    "rfqs": ("rfq", "quotes.send", "quotes.view"),
    "rmas": ("rma", "returns.manage", "returns.view"),
}
EDIT_PERMISSION = {kind: edit for kind, edit, _view in DOCUMENTS.values()}
STATES = ("received", "routed", "ignored", "triage", "refused", "filed")
OUT_STATES = ("pending", "sent", "failed", "refused", "bounced")


def _addresses(body: dict, name: str) -> list[str]:
    value = body.get(name, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadQuery(f"{name} is an email address or a list of them")
    return [v.strip() for v in value if v.strip()]


def _mailer(kind: str):
    def send(app, principal, params, query, body):
        desk.check_scope(app, kind, params["number"], scope_of(principal))
        sent = desk.email_document(
            app,
            actor_of(principal),
            kind,
            params["number"],
            to=_addresses(body, "to"),
            cc=_addresses(body, "cc"),
            subject=text_field(body, "subject", size=998),
            body=text_field(body, "body", size=100_000),
            standard_text=text_field(body, "standard_text", size=100),
            attach_pdf=flag_field(body, "attach_pdf"),
        )
        return 201, sent

    return send


def _lister(kind: str):
    def mail_of(app, principal, params, query):
        desk.check_scope(app, kind, params["number"], scope_of(principal))
        found = mail_queries.document_mail(app.engine, kind, params["number"])
        if kind in ("quote", "invoice", "shipment", "rfq"):
            found["comments"] = mail_queries.document_comments(app.engine, kind, params["number"])
        return 200, found

    return mail_of


def email_invoice(app, principal, params, query, body):
    desk.check_scope(app, "invoice", params["number"], scope_of(principal))
    sent = desk.email_invoice(app, actor_of(principal), params["number"], _addresses(body, "to"))
    return 201, sent


def _listing(states: tuple[str, ...], listed):
    def list_messages(app, principal, params, query):
        state = query.get("state")
        if state is not None and state not in states:
            raise BadQuery(f"state must be one of {', '.join(states)}")
        after = path_number(query["after"], "after") if "after" in query else None
        found = listed(app.engine, state=state, after=after, limit=limit_of(query))
        return 200, {"messages": found}

    return list_messages


def show_inbound(app, principal, params, query):
    return 200, mail_queries.inbound_detail(app.engine, path_number(params["id"], "message id"))


def inbound_raw(app, principal, params, query):
    mail_id = path_number(params["id"], "message id")
    return 200, Raw(
        "message/rfc822", mail_queries.inbound_raw(app.engine, mail_id), f"{mail_id}.eml"
    )


def file_inbound(app, principal, params, query, body):
    kind = text_field(body, "document_kind", size=32) or ""
    number = text_field(body, "document_number", size=64) or ""
    if kind not in EDIT_PERMISSION:
        raise BadQuery(f"document_kind must be one of {', '.join(EDIT_PERMISSION)}")
    if not principal.can(EDIT_PERMISSION[kind]):
        from hub.api.resource import Problem  # the resource imports these routes

        raise Problem(403, f"filing on a {kind} needs {EDIT_PERMISSION[kind]}")
    desk.check_scope(app, kind, number, scope_of(principal))
    mail_id = path_number(params["id"], "message id")
    return 200, desk.file_mail(app, actor_of(principal), mail_id, kind, number)


def show_outgoing(app, principal, params, query):
    return 200, mail_queries.outgoing_detail(app.engine, path_number(params["id"], "message id"))


def retry_outgoing(app, principal, params, query):
    mail_id = path_number(params["id"], "message id")
    return 200, desk.retry_mail(app, actor_of(principal), mail_id)


MESSAGE_FIELDS = (
    ("to", "recipients: an address or a list", {"type": ["string", "array"]}),
    ("cc", "copies: an address or a list", {"type": ["string", "array"]}),
    ("subject", "the subject; the document's name and number when left out"),
    ("body", "the text (plain; paragraphs separated by blank lines)"),
    ("standard_text", "the name of a standard text (setting texts.<name>) to add"),
    ("attach_pdf", "true: attach the document's PDF", {"type": "boolean"}),
)


def _document_routes() -> list[Route]:
    routes = []
    for path, (kind, edit, view) in DOCUMENTS.items():
        base = f"/api/v1/{path}/{{number}}/emails"
        routes.append(
            Route(
                "GET",
                base,
                view,
                f"Messages sent and received about a {kind.replace('_', ' ')}",
                _lister(kind),
            )
        )
        routes.append(
            Route(
                "POST",
                base,
                edit,
                f"Email about a {kind.replace('_', ' ')}: queued, sent, and kept in its history",
                _mailer(kind),
                status=201,
                body=MESSAGE_FIELDS,
            )
        )
    return routes


INBOUND = "/api/v1/mail/inbound"
OUTGOING = "/api/v1/mail/outgoing"
MAIL_ROUTES: tuple[Route, ...] = (
    *_document_routes(),
    Route(
        "POST",
        "/api/v1/invoices/{number}/email",
        "invoices.manage",
        "Email the invoice's PDF to the buyer (or to `to`); the invoice counts as sent",
        email_invoice,
        status=201,
        body=(MESSAGE_FIELDS[0],),
    ),
    Route(
        "GET",
        INBOUND,
        "orders.view",
        "Received messages, newest first; state=triage is the triage list",
        _listing(STATES, mail_queries.list_inbound),
        (("state", f"one of {', '.join(STATES)}"), ("after", "the last id of a page"), LIMIT),
    ),
    Route("GET", INBOUND + "/{id}", "orders.view", "One received message", show_inbound),
    Route(
        "GET",
        INBOUND + "/{id}/raw",
        "orders.view",
        "A received message exactly as it arrived",
        inbound_raw,
        media_types=("message/rfc822",),
    ),
    Route(
        "POST",
        INBOUND + "/{id}/file",
        "orders.view",
        "Put a message from the triage list on a document, as a comment",
        file_inbound,
        body=(
            ("document_kind", f"one of {', '.join(EDIT_PERMISSION)}"),
            ("document_number", "the document's number"),
        ),
    ),
    Route(
        "GET",
        OUTGOING,
        "orders.view",
        "Messages sent or waiting, newest first",
        _listing(OUT_STATES, mail_queries.list_outgoing),
        (("state", f"one of {', '.join(OUT_STATES)}"), ("after", "the last id of a page"), LIMIT),
    ),
    Route("GET", OUTGOING + "/{id}", "orders.view", "One sent message", show_outgoing),
    Route(
        "POST",
        OUTGOING + "/{id}/retry",
        "orders.edit",
        "Send a failed, refused or bounced message again",
        retry_outgoing,
    ),
)
