"""Customers: the organisations we sell to."""

from __future__ import annotations

from datetime import UTC, datetime


class Customer:
    id: int | None

    def __init__(self, code: str, name: str, *, email=None, phone=None, partner_code=None):
        self.code = code
        self.name = name
        self.email = email
        self.phone = phone
        self.partner_code = partner_code
        self.archived = False
        self.created_at = self.updated_at = datetime.now(UTC)
