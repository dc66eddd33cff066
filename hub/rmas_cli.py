"""The "orderb2b rmas" commands: returns (RMAs)."""

from __future__ import annotations


def add_parsers(commands_parser, app_factory) -> None:
    """Adds the rmas commands."""
