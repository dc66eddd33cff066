"""`orderb2b customers|leads|groups|teams` on the embedded default."""

from __future__ import annotations

import csv
import getpass
import io
import json

import pytest

from hub import cli

PASSWORD = "Tr1angle-Harbor-42"


@pytest.fixture
def embedded(monkeypatch, tmp_path, capsys):
    """The embedded hub with a sales team, a customer group it looks after (which
    takes new leads) and a salesperson in the team."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    monkeypatch.setenv("NEW_STAFF_PASSWORD", PASSWORD)
    for args in (
        ("staff", "add", "dokafor", "--name", "Daniel Okafor", "--password-env",
         "NEW_STAFF_PASSWORD"),
        ("teams", "add", "east", "--name", "East region"),
        ("groups", "add", "gov-east", "--name", "Government East", "--team", "east",
         "--price-level", "gsa", "--discount", "7.5", "--newsletter", "--takes-new-leads"),
        ("teams", "join", "east", "dokafor"),
    ):  # fmt: skip
        assert cli.main(list(args)) == 0, args
    capsys.readouterr()
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *args: str) -> str:
    """What a command that must succeed prints."""
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, ""), (args, err)
    return out


def show(capsys, code: str) -> dict:
    return json.loads(ok(capsys, "customers", "show", code, "--json"))


def test_customers_add_change_contacts_addresses_and_show(capsys, embedded):
    code, out, err = run(
        capsys,
        *("customers", "add", "CUST-0417", "--name", "Lakeshore Unified School District"),
        *("--group", "gov-east", "--email", "purchasing@lakeshore.example.org"),
        *("--net-terms", "30", "--credit-limit", "25000.00", "--tax-exempt"),
        *("--tax-exempt-id", "WI-ES-0042", "--partner", "lakeshore-schools"),
    )
    assert (code, out, err) == (0, "customer CUST-0417 added\n", "")
    out = ok(
        capsys,
        *("customers", "contact", "add", "CUST-0417", "--name", "Renata Okafor"),
        *("--email", "r.okafor@lakeshore.example.org", "--role", "Buyer", "--primary"),
    )
    assert out == "contact 1 added to customer CUST-0417\n"
    out = ok(
        capsys,
        *("customers", "address", "add", "CUST-0417", "--kind", "shipping"),
        *("--street1", "2210 Harbor Point Dr", "--city", "Racine", "--state", "WI"),
        *("--postal-code", "53403", "--country", "us", "--default"),
    )
    assert out == "address 1 added to customer CUST-0417\n"
    out = ok(capsys, "customers", "change", "CUST-0417", "--discount", "2.5", "--not-tax-exempt")
    assert out == "customer CUST-0417: discount_percent, tax_exempt changed\n"

    detail = show(capsys, "CUST-0417")
    assert (detail["net_terms_days"], detail["credit_limit"], detail["discount_percent"]) == (
        30,
        "25000.00",
        "2.5",
    )
    assert detail["tax_exempt"] is False and detail["group"]["price_level"] == "gsa"
    assert detail["contacts"][0]["is_primary"] and detail["addresses"][0]["country"] == "US"
    actor = f"cli:{getpass.getuser()}"
    assert [(h["entity"], h["actor"]) for h in detail["history"]] == [
        ("customer", actor),
        ("customer_contact", actor),
        ("customer_address", actor),
        ("customer", actor),
    ]
    assert detail["history"][-1]["changes"]["tax_exempt"] == {"old": True, "new": False}

    out = ok(capsys, "customers", "show", "CUST-0417")
    assert code == 0 and "Renata Okafor (primary)" in out
    assert "2210 Harbor Point Dr, Racine, WI, 53403, US (default)" in out and "history:" in out


def test_leads_go_to_the_lead_group_and_convert(capsys, embedded):
    out = ok(capsys, "leads", "add", "LEAD-7", "--name", "Racine County")
    assert out == "lead LEAD-7 added\n"
    assert show(capsys, "LEAD-7")["group"]["code"] == "gov-east"
    out = ok(capsys, "customers", "change", "LEAD-7", "--status", "customer")
    assert out == "customer LEAD-7: status changed\n"
    assert show(capsys, "LEAD-7")["history"][-1]["changes"] == {
        "status": {"old": "lead", "new": "customer"}
    }


def test_lists_exports_and_a_staff_members_view(capsys, embedded):
    ok(capsys, "customers", "add", "CUST-1", "--name", "Racine Unified", "--group", "gov-east")
    ok(capsys, "customers", "add", "CUST-2", "--name", "Kenosha County")
    out = ok(capsys, "customers", "list", "--json")
    assert [c["code"] for c in json.loads(out)] == ["CUST-1", "CUST-2"]
    out = ok(capsys, "customers", "list", "--as", "dokafor", "--json")
    assert [c["code"] for c in json.loads(out)] == ["CUST-1"]
    out = ok(capsys, "customers", "list", "--text", "kenosha")
    assert "CUST-2" in out and "CUST-1" not in out and out.startswith("CODE")

    out = ok(capsys, "customers", "export", "--as", "dokafor")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["code"], r["group"]) for r in rows] == [("CUST-1", "gov-east")]
    target = embedded / "customers.csv"
    out = ok(capsys, "customers", "export", "--output", str(target))
    assert out == f"2 customers written to {target}\n"
    assert target.read_text().startswith("code,name,status,group,")

    out = ok(capsys, "groups", "list", "--json")
    (group,) = json.loads(out)
    assert (group["team"], group["customers"], group["takes_new_leads"]) == ("east", 1, True)
    out = ok(capsys, "groups", "list")
    assert "gov-east" in out and "(new leads)" in out


def test_groups_change_and_teams_join_and_leave(capsys, embedded):
    out = ok(capsys, "groups", "change", "gov-east", "--team", "", "--manager", "dokafor")
    assert out == "customer group gov-east: team_id, manager_id changed\n"
    out = ok(capsys, "teams", "join", "east", "dokafor", "--role", "manager")
    assert out == "dokafor is in team east as manager\n"
    out = ok(capsys, "teams", "list")
    assert "people: dokafor (manager)" in out and "groups: (none)" in out
    out = ok(capsys, "teams", "leave", "east", "dokafor")
    assert out == "dokafor left team east\n"
    out = ok(capsys, "teams", "list", "--json")
    assert json.loads(out)[0]["members"] == [
        {"username": "dokafor", "role": "manager", "left": True}
    ]
    out = ok(capsys, "groups", "list", "--json")
    assert json.loads(out)[0]["manager"] == "dokafor"


@pytest.mark.parametrize(
    ("args", "message"),
    (
        (("customers", "show", "NOBODY"), "orderb2b: no customer NOBODY\n"),
        (("customers", "change", "NOBODY"), "orderb2b: nothing to change: give an option\n"),
        (
            ("customers", "add", "C-1", "--name", "X", "--net-terms", "thirty"),
            "orderb2b: net_terms_days must be a whole number\n",
        ),
        (("teams", "leave", "east", "nobody"), "orderb2b: no staff member nobody\n"),
        (("customers", "list", "--as", "nobody"), "orderb2b: no staff member nobody\n"),
        (("customers", "list", "--limit", "0"), "orderb2b: --limit must be 1 or more\n"),
        (("groups", "add", "gov-east", "--name", "Again"), None),
    ),
)
def test_bad_input_is_one_line_and_exit_2(capsys, embedded, args, message):
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err == message if message else err.count("\n") == 1 and "exists already" in err
