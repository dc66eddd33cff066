"""The "orderb2b tasks" commands: tasks for staff."""

from __future__ import annotations


def add_parsers(commands_parser, app_factory) -> None:
    """Adds the tasks commands."""
