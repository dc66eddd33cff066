"""Handlers of the discussion board: projects and discussions."""

from __future__ import annotations

HANDLERS: dict = {}
