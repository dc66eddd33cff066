"""Reading mail settings from the environment: each bad value is a ValueError with
one sentence naming the variable."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def port(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"{name} must be a port number between 1 and 65535, not {value!r}.")
    return int(value)


def seconds(env: Mapping[str, str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ValueError(f"{name} must be a positive number of seconds, not {value!r}.")
    return seconds


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value not in _TRUE | _FALSE:
        raise ValueError(f"{name} must be 1 or 0 (true or false), not {value!r}.")
    return value in _TRUE


def existing_file(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    if value and not Path(value).is_file():
        raise ValueError(f"{name} names {value!r}, which is not a readable file.")
    return value or None
