"""What kind of inbound message this is, before anything is done with it."""

from __future__ import annotations

import re
from collections.abc import Callable

from mail.headers import message_ids
from mail.message import DeliveryReport, InboundMessage

REPLY, AUTO_REPLY, BOUNCE, LOOP, LIST = "reply", "auto_reply", "bounce", "loop", "list"
_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_VACATION = re.compile(
    r"^\s*(auto:|automatic reply|auto[- ]?reply|autoresponse|out of (the )?office|"
    r"vacation|abwesenheit|automatische antwort|réponse automatique|absence)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"(undeliver|delivery (status notification|failure|has failed)|returned mail|"
    r"mail delivery failed|failure notice)",
    re.IGNORECASE,
)
_ORIGINAL_ID = re.compile(r"^\s*Message-ID:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_FAILED_ADDRESS = re.compile(r"<?([\w.+'-]+@[\w-]+(\.[\w-]+)+)>?")


def classify(
    message: InboundMessage,
    *,
    our_domains: tuple[str, ...],
    loop_marker: str,
    is_person: Callable[[str], bool] | None = None,
) -> str:
    """One of "loop", "bounce", "list", "auto_reply" or "reply", by the first rule that
    holds, in this order:

    1. loop: an X-Loop header equal to `loop_marker`, or From an address of one of
       `our_domains` (or their subdomains) — we must never answer ourselves — unless
       `is_person` says the address is one of our people (staff answering a notice).
    2. bounce: a multipart/report with a delivery-status part (RFC 3464), or From a
       MAILER-DAEMON / postmaster address.
    3. list: a List-Id header (RFC 2919).
    4. auto_reply: Auto-Submitted other than "no" (RFC 3834), X-Autoreply or
       X-Autorespond, Precedence bulk, junk or list, or a vacation subject
       ("Automatic reply:", "Out of Office", "Auto:" ...).
    5. bounce: an empty Return-Path `<>` with a bounce subject ("Undeliverable" ...);
       an empty Return-Path alone is also what auto-replies use, so it is not enough.
    6. reply: everything else.

    Only "reply" may become a comment or be answered; the bounce's details are in
    `bounce_details(message)`."""
    if _is_loop(message, our_domains, loop_marker, is_person):
        return LOOP
    if _is_report(message) or _local_part(message.from_address) in _DAEMONS:
        return BOUNCE
    if message.header("List-Id"):
        return LIST
    if _is_auto_reply(message):
        return AUTO_REPLY
    if _null_return_path(message) and _BOUNCE_SUBJECT.search(message.subject):
        return BOUNCE
    return REPLY


def bounce_details(message: InboundMessage) -> DeliveryReport | None:
    """The bounced original's Message-ID and the failed recipients: from the delivery
    status report when there is one, else read from the bounce's text."""
    if message.report is not None:
        return message.report
    if not (
        _local_part(message.from_address) in _DAEMONS
        or (_null_return_path(message) and _BOUNCE_SUBJECT.search(message.subject))
    ):
        return None
    ids = _ORIGINAL_ID.findall(message.text)
    failed = list(message.header_all("X-Failed-Recipients"))
    if not failed:
        failed = [m.group(1) for m in _FAILED_ADDRESS.finditer(message.new_text)][:1]
    original = message_ids(ids[0])[0] if ids else None
    return DeliveryReport(original, tuple(a.strip() for a in failed if a.strip()))


def _is_loop(message: InboundMessage, our_domains, loop_marker: str, is_person) -> bool:
    marker = loop_marker.strip().lower()
    if marker and any(v.strip().lower() == marker for v in message.header_all("X-Loop")):
        return True
    domain = message.from_domain
    ours = bool(domain) and any(_within(domain, ours) for ours in our_domains)
    return ours and not (is_person and is_person(message.from_address))


def _is_report(message: InboundMessage) -> bool:
    return message.report is not None or (
        message.content_type == "multipart/report"
        and "delivery-status" in (message.header("Content-Type") or "").lower()
    )


def _is_auto_reply(message: InboundMessage) -> bool:
    submitted = (message.header("Auto-Submitted") or "no").split(";")[0].strip().lower()
    precedence = (message.header("Precedence") or "").strip().lower()
    return (
        submitted != "no"
        or message.header("X-Autoreply") is not None
        or message.header("X-Autorespond") is not None
        or precedence in ("bulk", "junk", "list")
        or bool(_VACATION.match(message.subject))
    )


def _null_return_path(message: InboundMessage) -> bool:
    return any(v.replace(" ", "") == "<>" for v in message.header_all("Return-Path"))


def _local_part(address: str | None) -> str:
    return address.rsplit("@", 1)[0].lower() if address and "@" in address else ""


def _within(domain: str, ours: str) -> bool:
    ours = ours.strip().lower().lstrip("@")
    return domain == ours or domain.endswith("." + ours)
