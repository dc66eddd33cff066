"""A letter: what to send about a document, to whom, rendered from its template and
composed into the bytes that are queued. Replies come back to an address carrying a
signed token for the document, and each letter continues its document's thread."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from core import commands
from core.storage import settings as stored_settings
from core.storage import tables
from hub.mailing import contexts
from hub.mailing.settings import MailSettings
from mail.compose import AUTOMATIC_KINDS, Attachment, compose, render
from mail.inbound import KIND_CODES, make_reply_address

_out = tables.outgoing_mail.c
_in = tables.inbound_mail.c
THREAD_DEPTH = 10
_MESSAGE_ID = re.compile(r"[^<>\s]{1,250}")  # what a threading header can carry


@dataclass(frozen=True)
class Letter:
    kind: str
    document_kind: str
    document_number: str
    to: tuple[str, ...]
    context: dict[str, Any]
    cc: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    extra_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Post:
    """What letters need of the hub: its database, mail settings, templates and key."""

    engine: Engine
    settings: MailSettings
    templates: Path
    key: bytes

    def command(self, letter: Letter, engine=None) -> commands.QueueMail:
        """The letter rendered and composed, as the command that queues it; read
        through `engine` (a unit of work's reader) when given."""
        engine = engine or self.engine
        with engine.connect() as connection:
            texts = stored_settings.standard_texts(connection)
            parent, references = _thread(connection, letter.document_kind, letter.document_number)
        context = {"company": contexts.company(engine), **letter.context}
        rendered = render(letter.kind, context, overrides_dir=self.templates, texts=texts)
        reply_to = self._reply_address(letter)
        message_id, raw = compose(
            rendered,
            sender=self.settings.sender,
            to=list(letter.to),
            cc=letter.cc,
            reply_to=reply_to,
            attachments=list(letter.attachments),
            message_id_domain=self.settings.domain,
            in_reply_to=parent,
            references=references,
            headers=letter.extra_headers,
            auto_submitted=letter.kind in AUTOMATIC_KINDS,
            x_loop=self.settings.loop_marker,
        )
        return commands.QueueMail(
            kind=letter.kind,
            document_kind=letter.document_kind,
            document_number=letter.document_number,
            sender=self.settings.sender_address,
            recipients=letter.to,
            cc=letter.cc,
            subject=rendered.subject,
            message_id=message_id.strip("<>"),
            raw=raw,
        )

    def _reply_address(self, letter: Letter) -> str | None:
        """Our reply address for the document; None (replies then go to the sender
        and are matched by Message-ID or subject) when its number cannot be carried."""
        if _no_token(letter.document_kind, letter.document_number):
            return None
        return make_reply_address(
            self.settings.reply_local,
            self.settings.domain,
            letter.document_kind,
            letter.document_number,
            self.key,
        )


def _no_token(kind: str, number: str) -> bool:
    """A number a reply address cannot carry (only letters and digits fit)."""
    fits = number.isascii() and number.isalnum() and len(number) <= 40
    return not fits or kind not in KIND_CODES


def _thread(connection, kind: str, number: str) -> tuple[str | None, tuple[str, ...]]:
    """The latest message about the document (ours or theirs) and those before it."""
    ours = select(_out.message_id.label("message_id"), _out.created_at.label("at")).where(
        _out.document_kind == kind, _out.document_number == number
    )
    theirs = select(_in.message_id.label("message_id"), _in.received_at.label("at")).where(
        _in.document_kind == kind, _in.document_number == number, _in.message_id.isnot(None)
    )
    every = ours.union_all(theirs).subquery()
    found = connection.execute(
        select(every.c.message_id).order_by(every.c.at.desc()).limit(THREAD_DEPTH)
    ).scalars()
    chain = [m for m in found if m and _MESSAGE_ID.fullmatch(m)][::-1]
    if not chain:
        return None, ()
    return chain[-1], tuple(chain[:-1])
