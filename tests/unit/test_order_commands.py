"""`orderb2b orders ...`: filtered lists, counts, status actions and backorders on
the embedded default."""

from __future__ import annotations

import json

import pytest

from hub import cli


@pytest.fixture
def demo_orders(monkeypatch, tmp_path, capsys):
    """The embedded hub with the demo data: three gsa-advantage orders DEMO-0001..3
    (3, 4 and 5 lines); their numbers by external order id."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    assert cli.main(["demo"]) == 0
    capsys.readouterr()
    assert cli.main(["orders", "list", "--json"]) == 0
    return {o["external_order_id"]: o["number"] for o in json.loads(capsys.readouterr().out)}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys, *args: str) -> list[str]:
    code, out, err = run(capsys, "orders", "list", "--json", *args)
    assert (code, err) == (0, ""), err
    return [order["external_order_id"] for order in json.loads(out)]


def test_list_filters_and_keyset_pages(capsys, demo_orders):
    assert listed(capsys) == ["DEMO-0003", "DEMO-0002", "DEMO-0001"]
    assert listed(capsys, "--text", "demo-0002") == ["DEMO-0002"]
    assert listed(capsys, "--partner", "gsa-advantage", "--channel", "cxml", "--limit", "2") == [
        "DEMO-0003",
        "DEMO-0002",
    ]
    assert listed(capsys, "--after", demo_orders["DEMO-0002"]) == ["DEMO-0001"]
    assert listed(capsys, "--channel", "x12") == []
    assert listed(capsys, "--until", "2000-01-01") == []
    assert len(listed(capsys, "--since", "2000-01-01", "--min-total", "0.01")) == 3
    assert listed(capsys, "--max-total", "0") == []


def test_counts_follow_the_status_actions(capsys, demo_orders):
    first, second = demo_orders["DEMO-0001"], demo_orders["DEMO-0002"]
    code, out, err = run(capsys, "orders", "start", first)
    assert (code, out, err) == (0, f"order {first}: new -> in_progress\n", "")
    code, out, _ = run(capsys, "orders", "hold", second, "--reason", "buyer asked to wait")
    assert out == f"order {second}: new -> on_hold\n"
    code, out, _ = run(capsys, "orders", "counts", "--json")
    counts = json.loads(out)
    assert (counts["new"], counts["in_progress"], counts["on_hold"]) == (1, 1, 1)
    code, out, _ = run(capsys, "orders", "counts", "--text", "DEMO-0002")
    assert "on_hold                   1" in out and out.endswith("total                     1\n")
    assert run(capsys, "orders", "release", second)[1] == f"order {second}: on_hold -> new\n"
    assert run(capsys, "orders", "cancel", second)[1] == f"order {second}: new -> cancelled\n"
    assert listed(capsys, "--status", "cancelled") == ["DEMO-0002"]
    code, out, _ = run(capsys, "orders", "show", second, "--json")
    actors = {entry["actor"] for entry in json.loads(out)["history"][1:]}
    assert len(actors) == 1 and actors.pop().startswith("cli:")


def test_backorder_moves_the_order_and_is_shown(capsys, demo_orders):
    number = demo_orders["DEMO-0001"]
    code, out, err = run(
        capsys, "orders", "backorder", number, "2", "--quantity", "1", "--expected", "2026-05-04"
    )
    assert (code, err) == (0, "")
    assert out == f"order {number} line 2: 1 backordered; new -> backordered\n"
    code, out, _ = run(capsys, "orders", "show", number, "--json")
    line = json.loads(out)["lines"][1]
    assert (line["backordered_quantity"], line["backorder_expected"]) == ("1", "2026-05-04")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("close", "{n}"), "cannot go from new to closed"),
        (("hold", "{n}"), "a hold needs a reason"),
        (("start", "SO9999999"), "no order SO9999999"),
        (("backorder", "{n}", "1", "--quantity", "lots"), "--quantity 'lots' is not a number"),
        (("backorder", "{n}", "1", "--quantity", "1", "--expected", "May 4"), "not a date"),
        (("backorder", "{n}", "9", "--quantity", "1"), "has no line 9"),
        (("list", "--since", "yesterday"), "since: 'yesterday' is not a date"),
        (("counts", "--min-total", "ten"), "min_total: 'ten' is not an amount"),
    ],
)
def test_refusals_are_one_line_and_exit_code_2(capsys, demo_orders, args, message):
    number = demo_orders["DEMO-0001"]
    code, out, err = run(capsys, "orders", *(a.format(n=number) for a in args))
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1 and message in err
    assert listed(capsys, "--status", "new")[-1] == "DEMO-0001"
