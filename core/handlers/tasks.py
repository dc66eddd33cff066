"""Handlers of tasks for staff."""

from __future__ import annotations

HANDLERS: dict = {}
