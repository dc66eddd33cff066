"""The "orderb2b discussions" commands: the discussion board: projects and discussions."""

from __future__ import annotations


def add_parsers(commands_parser, app_factory) -> None:
    """Adds the discussions commands."""
