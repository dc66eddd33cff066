"""Live price and availability from suppliers' systems, never in the way of a page.

A part's answer younger than the supplier's cache age is used as it is; an older
one is asked for again, within the supplier's timeout. When the system is slow,
down or answers nonsense, the last known answer is shown marked stale with the
error, and the failure is kept. Suppliers are asked in parallel.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.suppliers import service_for
from core import commands
from core.errors import ServiceFailed
from core.ports import SYSTEM
from core.storage import purchasing_queries
from hub.bootstrap import App
from hub.secrets import SecretBox

# The setting the sealed secret fills, unless the settings name another ("secret_setting").
SECRET_SETTING = {"soap": "password", "rest": "api_key"}


def availability(app: App, supplier_code: str, parts: list[str]) -> list[dict[str, Any]]:
    """One entry per part: the answer, where it came from (live, cache, stale, or
    none when the supplier has no system or never answered), its age and any error."""
    parts = list(dict.fromkeys(part for part in parts if part))
    service = purchasing_queries.supplier_service(app.engine, supplier_code)
    if service is None or not parts:
        return [_entry(supplier_code, part, None, "none") for part in parts]
    now = datetime.now(UTC)
    known = purchasing_queries.cached_availability(app.engine, supplier_code, parts)
    age = timedelta(minutes=service["cache_minutes"])
    due = [part for part in parts if not _fresh(known.get(part), now, age)]
    error = _refresh(app, service, due) if due else None
    if due:
        known = purchasing_queries.cached_availability(app.engine, supplier_code, parts)
    return [_shown(supplier_code, part, known.get(part), part in due, error) for part in parts]


def for_suppliers(app: App, wanted: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    """Several suppliers at once, each within its own timeout."""
    if not wanted:
        return {}
    with ThreadPoolExecutor(max_workers=min(len(wanted), 8)) as pool:
        futures = {
            code: pool.submit(availability, app, code, parts) for code, parts in wanted.items()
        }
        return {code: future.result() for code, future in futures.items()}


def _refresh(app: App, service: dict[str, Any], parts: list[str]) -> str | None:
    code = service["code"]
    try:
        answers = _client(app, service).price_availability(parts)
    except ServiceFailed as failed:
        command = commands.RefreshSupplierAvailability(code, error=str(failed), parts=tuple(parts))
        app.bus.execute(command, SYSTEM)
        return str(failed)
    app.bus.execute(commands.RefreshSupplierAvailability(code, tuple(answers)), SYSTEM)
    return None


def _client(app: App, service: dict[str, Any]):
    return service_for(service["service_kind"], client_settings(app, service))


def client_settings(app: App, service: dict[str, Any]) -> dict[str, Any]:
    """What the adapters take to reach a supplier's system, its secret opened."""
    settings = {
        **(service["service_settings"] or {}),
        "url": service["service_url"],
        "timeout": float(service["timeout_seconds"]),
        "name": service["code"],
    }
    if service["service_secret"]:
        secret = SecretBox.for_config(app.config).open(service["service_secret"])
        name = settings.pop("secret_setting", None) or SECRET_SETTING[service["service_kind"]]
        settings[name] = secret
    settings.pop("tracking", None)
    return settings


def _fresh(row: dict[str, Any] | None, now: datetime, age: timedelta) -> bool:
    if row is None or row["fetched_at"] is None:
        return False
    fetched = _utc(row["fetched_at"])
    failed = _utc(row["failed_at"]) if row["failed_at"] else None
    return now - fetched < age and (failed is None or failed < fetched)


def _shown(code, part, row, asked: bool, error: str | None) -> dict[str, Any]:
    if row is None or row["answer"] is None:
        return _entry(code, part, None, "none", error=error)
    fetched = _utc(row["fetched_at"])
    failed_now = asked and error is not None
    source = "stale" if failed_now else ("live" if asked else "cache")
    return _entry(code, part, row["answer"], source, fetched, error if failed_now else None)


def _entry(code, part, answer, source, fetched=None, error=None) -> dict[str, Any]:
    return {
        "supplier": code,
        "supplier_part_id": part,
        "source": source,
        "stale": source == "stale",
        "fetched_at": fetched.isoformat() if fetched else None,
        "error": error,
        **(answer or {"found": None}),
    }


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
