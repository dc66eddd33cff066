"""Handlers of returns (RMAs)."""

from __future__ import annotations

HANDLERS: dict = {}
