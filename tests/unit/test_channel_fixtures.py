"""Every channel's fixtures through `orderb2b parse`: the printed JSON list is the
full expected canonical result, valid against the canonical schema, and reads back
into the same canonical orders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from core.canonical import CanonicalOrder
from hub.bootstrap import channel_parsers
from hub.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SCHEMA = json.loads((ROOT / "schemas" / "canonical" / "order.schema.json").read_text("utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)
SUFFIXES = {"cxml": ".xml", "mws": ".xml", "spapi": ".json", "newegg": ".xml", "x12": ".edi"}
CASES = sorted(
    (channel, path)
    for channel, suffix in SUFFIXES.items()
    for path in (FIXTURES / channel).glob(f"*{suffix}")
    if ".expected." not in path.name and path.with_suffix(".expected.json").exists()
)


@pytest.mark.parametrize(("channel", "path"), CASES, ids=[f"{c}-{p.stem}" for c, p in CASES])
def test_parse_prints_the_expected_canonical_orders(capsys, channel: str, path: Path) -> None:
    assert main(["parse", "--channel", channel, str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(path.with_suffix(".expected.json").read_text("utf-8"))
    for order in printed:
        errors = sorted(VALIDATOR.iter_errors(order), key=str)
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    parsed = channel_parsers()[channel](path.read_bytes())
    assert [CanonicalOrder.from_dict(order) for order in printed] == parsed


def test_every_channel_has_fixtures() -> None:
    counts = {channel: sum(1 for c, _ in CASES if c == channel) for channel in SUFFIXES}
    assert min(counts.values()) >= 3, counts
