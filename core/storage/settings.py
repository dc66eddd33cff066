"""Settings staff change: every setting is registered here with its default, its
kind of value and what it does. A setting never changed has no row; changing one
writes it through the ORM, so the history shows who changed it, from what to what.

(This module does not import the history writer: the ORM mapping imports `Setting`
from here, and the history writer imports the mapping.)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core import ports
from core.errors import NotFound, OrderB2BError
from core.model.order_edits import CONFIRMATION_EMAIL
from core.storage import tables

_settings = tables.settings.c


@dataclass(frozen=True)
class Registered:
    default: bool | int | str
    description: str
    minimum: int | None = None  # for whole numbers

    @property
    def kind(self) -> type:
        return type(self.default)


REGISTERED: dict[str, Registered] = {
    CONFIRMATION_EMAIL: Registered(False, "email the buyer a confirmation of each new order"),
    "cart.auto_invoice": Registered(False, "invoice an order from the B2B cart when it is placed"),
    "quotes.valid_days": Registered(30, "how many days a quote stays valid", minimum=1),
    "company.name": Registered("Order B2B", "the company name printed on documents"),
    "company.address": Registered("", "the company address printed on documents (lines)"),
    "invoices.series": Registered("INV", "the series invoices are numbered in unless one is named"),
    "invoices.credit_series": Registered("CN", "the series credit notes are numbered in"),
    "invoices.bulk_rule": Registered(
        "complete", "how bulk invoicing bills customers without a rule: complete, shipped, manual"
    ),
    "mail.shipment_notice": Registered(
        True, "email the buyer when a shipment of their order is recorded"
    ),
}
# The dictionary of standard texts (M-110): "texts.<name>", any number of them.
TEXTS_PREFIX = "texts."
_TEXT_KEY = re.compile(r"texts\.[a-z][a-z0-9_]{0,63}")
STANDARD_TEXT = Registered("", "a standard text for emails and comments")
KINDS = {bool: "true or false", int: "a whole number", str: "text"}


class UnknownSetting(NotFound):
    pass


class SettingRefused(OrderB2BError):
    """A value the setting cannot take."""


class Setting:
    """A setting's stored value (mapped onto `settings`)."""

    id: int | None

    def __init__(self, key: str, value: Any, updated_by: str) -> None:
        self.key = key
        self.value = value
        self.updated_by = updated_by
        self.created_at = self.updated_at = datetime.now(UTC)
        self.archived = False


def registered(key: str) -> Registered:
    found = REGISTERED.get(key)
    if found is None and _TEXT_KEY.fullmatch(key):
        return STANDARD_TEXT
    if found is None:
        raise UnknownSetting(f"no setting {key!r}; settings: {', '.join(REGISTERED)}")
    return found


def checked(key: str, value: Any) -> Any:
    """The value if the setting may take it; SettingRefused says what it takes."""
    setting = registered(key)
    if type(value) is not setting.kind:
        raise SettingRefused(f"{key} takes {KINDS[setting.kind]}, not {value!r}")
    if setting.minimum is not None and value < setting.minimum:
        raise SettingRefused(f"{key} is at least {setting.minimum}")
    if isinstance(value, str) and len(value) > 2000:
        raise SettingRefused(f"{key} is at most 2000 characters")
    return value


def parse(key: str, text: str) -> Any:
    """A value typed on the command line, read as the setting's kind."""
    kind = registered(key).kind
    if kind is bool:
        words = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
        if text.strip().lower() not in words:
            raise SettingRefused(f"{key} takes true or false, not {text!r}")
        return words[text.strip().lower()]
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise SettingRefused(f"{key} takes a whole number, not {text!r}") from None
    return text.replace("\\n", "\n")


class SqlSettings(ports.SettingsRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> Any:
        """One light query (no flush): the ingest path reads a setting per batch."""
        setting = registered(key)
        stored = self.session.connection().execute(
            select(_settings.value).where(_settings.key == key)
        )
        row = stored.first()
        return setting.default if row is None else row.value

    def set(self, key: str, value: Any) -> None:
        value = checked(key, value)
        by = self.session.info["actor"].name
        setting = self.session.scalars(select(Setting).filter_by(key=key)).one_or_none()
        if setting is None:
            self.session.add(Setting(key, value, by))
        elif setting.value != value or type(setting.value) is not type(value):
            setting.value = value
            setting.updated_by = by
            setting.updated_at = datetime.now(UTC)


def current(engine: Engine, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Values by key (defaults where never set), in one query."""
    keys = tuple(REGISTERED) if keys is None else keys
    for key in keys:
        registered(key)
    query = select(_settings.key, _settings.value).where(_settings.key.in_(keys))
    with engine.connect() as connection:
        stored = dict(connection.execute(query).all())
    return {key: stored.get(key, registered(key).default) for key in keys}


def standard_texts(connection) -> dict[str, str]:
    """The dictionary of standard texts by name (without the "texts." prefix)."""
    query = select(_settings.key, _settings.value).where(_settings.key.like(TEXTS_PREFIX + "%"))
    return {
        key.removeprefix(TEXTS_PREFIX): value
        for key, value in connection.execute(query).all()
        if isinstance(value, str) and value
    }


def with_standard_text(engine: Engine, text: str | None, name: str | None) -> str:
    """`text` followed by the named standard text (for an email or a comment)."""
    if not name:
        return text or ""
    with engine.connect() as connection:
        texts = standard_texts(connection)
    if name not in texts:
        known = ", ".join(sorted(texts)) or "none yet"
        raise NotFound(f"no standard text {name!r} (known: {known})")
    return "\n\n".join(part.strip() for part in (text, texts[name]) if part and part.strip())


def list_settings(engine: Engine) -> list[dict[str, Any]]:
    """Every registered setting: its value, default, and who last changed it."""
    with engine.connect() as connection:
        rows = {row.key: row for row in connection.execute(select(tables.settings))}
    texts = sorted(key for key in rows if key.startswith(TEXTS_PREFIX))
    return [_setting(key, rows.get(key)) for key in (*REGISTERED, *texts)]


def setting_detail(engine: Engine, key: str) -> dict[str, Any]:
    registered(key)
    with engine.connect() as connection:
        row = connection.execute(select(tables.settings).where(_settings.key == key)).one_or_none()
        history = []
        if row is not None:
            history = connection.execute(
                select(tables.history)
                .where(tables.history.c.doc_type == "setting", tables.history.c.doc_id == row.id)
                .order_by(tables.history.c.id)
            ).all()
    detail = _setting(key, row)
    detail["history"] = [
        {k: _plain(v) for k, v in entry._mapping.items() if k not in ("doc_type", "doc_id")}
        for entry in history
    ]
    return detail


def _setting(key: str, row) -> dict[str, Any]:
    setting = registered(key)
    return {
        "key": key,
        "value": setting.default if row is None else row.value,
        "default": setting.default,
        "kind": KINDS[setting.kind],
        "description": setting.description,
        "updated_by": None if row is None else row.updated_by,
        "updated_at": None if row is None else _plain(row.updated_at),
    }


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
