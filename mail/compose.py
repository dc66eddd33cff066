"""Outbound email: rendering a kind of message from its templates, and composing the
rendered parts with attachments and threading headers into RFC 5322 bytes.

Each kind has three Jinja2 templates: `<kind>.subject.txt`, `<kind>.txt` and
`<kind>.html`. A file of the same name in the overrides directory (an
administrator's `<data dir>/mail_templates/`) replaces ours and is read on every
render, so no restart is needed. Templates are sandboxed, strict about unknown
names, and the HTML part is autoescaped. Standard texts (named snippets an
administrator keeps) are reached with `text("name")`; `has_text("name")` asks
whether one exists.
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from core.errors import OrderB2BError
from mail.formatting import day, money, quantity

KINDS = (
    "order_confirmation",
    "shipment_notice",
    "quote_sent",
    "invoice_sent",
    "purchase_order",
    "po_comment",
    "staff_message",
    "task_notification",
    "discussion_notification",
    "discussion_invitation",
)
# Sent by the hub on its own, not by a person's action (RFC 3834 Auto-Submitted).
AUTOMATIC_KINDS = frozenset(
    {
        "order_confirmation",
        "shipment_notice",
        "task_notification",
        "discussion_notification",
        "discussion_invitation",
    }
)
_KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")
_HEADER_NAME = re.compile(r"[!-9;-~]{1,76}")  # printable ASCII but ":" (RFC 5322 2.2)
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
# CRLF lines and 7-bit bodies (quoted-printable or base64): any relay takes them.
_POLICY = SMTP.clone(cte_type="7bit")
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*", re.IGNORECASE)


class TemplateFailed(OrderB2BError):
    """A mail template is missing, does not parse, or failed while rendering."""


class UnknownText(TemplateFailed):
    """A template asked for a standard text nobody has written."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


def standard_text(name: str, texts: Mapping[str, str]) -> str:
    """The standard text of that name."""
    try:
        return texts[name]
    except KeyError:
        known = ", ".join(sorted(texts)) or "none"
        raise UnknownText(f"no standard text named {name!r} (known: {known})") from None


def render(
    kind: str, context: dict[str, Any], *, overrides_dir: Path | None, texts: Mapping[str, str]
) -> Rendered:
    """The subject, plain text and HTML of a message of that kind."""
    if not _KIND.fullmatch(kind):
        raise TemplateFailed(f"{kind!r} is not a mail kind")
    environment = _environment(None if overrides_dir is None else str(overrides_dir))
    context = {
        **context,
        "text": functools.partial(standard_text, texts=texts),
        "has_text": texts.__contains__,
    }
    subject = _render(environment, f"{kind}.subject.txt", context)
    return Rendered(
        subject=" ".join(subject.split()),
        text=_render(environment, f"{kind}.txt", context).strip() + "\n",
        html=_render(environment, f"{kind}.html", context),
    )


def _render(environment: SandboxedEnvironment, name: str, context: dict[str, Any]) -> str:
    try:
        return environment.get_template(name).render(context)
    except jinja2.TemplateNotFound:
        raise TemplateFailed(f"there is no mail template {name}") from None
    except jinja2.TemplateSyntaxError as error:
        raise TemplateFailed(
            f"mail template {error.name or name} line {error.lineno}: {error.message}"
        ) from None
    except UnknownText as error:
        raise UnknownText(f"mail template {name}: {error}") from None
    # An administrator's template can fail in any way its expressions can.
    except Exception as error:
        raise TemplateFailed(f"mail template {name} failed: {error}") from None


@functools.cache
def _environment(overrides: str | None) -> SandboxedEnvironment:
    loaders: list[jinja2.BaseLoader] = [jinja2.PackageLoader("mail", "templates")]
    if overrides is not None:
        loaders.insert(0, jinja2.FileSystemLoader(overrides))
    environment = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        # Parsed on every render: an override put in place later is used at once.
        cache_size=0,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(money=money, quantity=quantity, day=day, paragraphs=paragraphs)
    environment.globals.update(tracking_url=tracking_url)
    return environment


def paragraphs(value: Any) -> Markup:
    """Plain text as HTML paragraphs, its line breaks kept."""
    blocks = re.split(r"\n\s*\n", str(value).strip())
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(map(escape, block.splitlines())))
        for block in blocks
        if block.strip()
    )


# ------------------------------------------------------------------ tracking links

_TRACKING = {
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "ups": "https://www.ups.com/track?loc=en_US&tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}&submit=1",
}
_SCAC = {
    "FDE": "fedex",
    "FDEG": "fedex",
    "FDEN": "fedex",
    "FDXE": "fedex",
    "FDXG": "fedex",
    "FEDX": "fedex",
    "UPSN": "ups",
    "UPSS": "ups",
    "UPSC": "ups",
    "USPS": "usps",
    "DHL": "dhl",
    "DHLC": "dhl",
    "DHLE": "dhl",
    "DHLG": "dhl",
}
_NAMES = (
    ("fedex", "fedex"),
    ("federalexpress", "fedex"),
    ("usps", "usps"),
    ("unitedstatespostal", "usps"),
    ("uspostal", "usps"),
    ("ups", "ups"),
    ("unitedparcel", "ups"),
    ("dhl", "dhl"),
)


def tracking_url(carrier: str | None, tracking_number: str | None) -> str | None:
    """The carrier's public tracking page for the number, from its SCAC or its name
    ("FDEG", "FedEx Ground", "UPS", "USPS", "DHL Express"); None for other carriers."""
    number = "".join((tracking_number or "").split())
    if not carrier or not number:
        return None
    family = _SCAC.get(carrier.strip().upper())
    if family is None:
        name = re.sub(r"[^a-z]", "", carrier.lower())
        family = next((family for prefix, family in _NAMES if name.startswith(prefix)), None)
    if family is None:
        return None
    return _TRACKING[family].format(quote(number, safe=""))


# ------------------------------------------------------------------ composing


def compose(
    rendered: Rendered,
    *,
    sender: str,
    to: list[str],
    cc: Iterable[str] = (),
    reply_to: str | None,
    attachments: list[Attachment],
    message_id_domain: str,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    headers: Mapping[str, str] = {},
    auto_submitted: bool = False,
    x_loop: str | None = None,
) -> tuple[str, bytes]:
    """The message's Message-ID and its bytes: a text and an HTML alternative, inside
    multipart/mixed when there are attachments. `references` are the parent's own
    References; the parent (`in_reply_to`) is added to them. A CR or LF in any header
    value is refused with ValueError."""
    if not to:
        raise ValueError("a message needs at least one recipient")
    if not _DOMAIN.fullmatch(message_id_domain):
        raise ValueError(f"{message_id_domain!r} is not a domain for a Message-ID")
    message_id = f"<{uuid.uuid4()}@{message_id_domain}>"
    message = EmailMessage(policy=_POLICY)
    fields: list[tuple[str, str]] = [
        ("From", sender),
        ("To", ", ".join(_one_line(address) for address in to)),
        ("Cc", ", ".join(_one_line(address) for address in cc)),
        ("Reply-To", reply_to or ""),
        ("Subject", rendered.subject),
        ("Date", format_datetime(datetime.now(UTC))),
        ("Message-ID", message_id),
        *_threading(in_reply_to, references),
        ("Auto-Submitted", "auto-generated" if auto_submitted else ""),
        # Asks Exchange and others not to answer automatic mail with out-of-office replies.
        ("X-Auto-Response-Suppress", "All" if auto_submitted else ""),
        ("X-Loop", x_loop or ""),
    ]
    for name, value in fields:
        if value:
            message[name] = _one_line(value)
    _extra_headers(message, headers)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    for attachment in attachments:
        _attach(message, attachment)
    return message_id, message.as_bytes()


def _one_line(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError(f"a header value may not contain CR or LF: {value!r}")
    return value


def _threading(in_reply_to: str | None, references: tuple[str, ...]) -> list[tuple[str, str]]:
    chain = [_message_id(reference) for reference in references]
    if in_reply_to is None:
        return [("References", " ".join(chain))] if chain else []
    parent = _message_id(in_reply_to)
    if parent not in chain:
        chain.append(parent)
    return [("In-Reply-To", parent), ("References", " ".join(chain))]


def _message_id(value: str) -> str:
    value = _one_line(value).strip()
    if not value.startswith("<"):
        value = f"<{value}>"
    if not re.fullmatch(r"<[^<>\s]+>", value):
        raise ValueError(f"{value!r} is not a message id")
    return value


def _extra_headers(message: EmailMessage, headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a header name")
        if name in message or name.lower() in ("content-type", "mime-version"):
            raise ValueError(f"the {name} header is set by compose itself")
        message[name] = _one_line(value)


def _attach(message: EmailMessage, attachment: Attachment) -> None:
    if not _CONTENT_TYPE.fullmatch(attachment.content_type):
        raise ValueError(f"{attachment.content_type!r} is not a content type")
    maintype, subtype = attachment.content_type.lower().split("/")
    message.add_attachment(
        attachment.data, maintype=maintype, subtype=subtype, filename=_one_line(attachment.name)
    )
