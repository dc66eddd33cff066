"""`orderb2b staff|profiles|activity` on the embedded default."""

from __future__ import annotations

import getpass
import json

import pytest

from hub import cli
from hub.access import TokenAuthenticator

PASSWORD = "Tr1angle-Harbor-42"


@pytest.fixture
def embedded(monkeypatch, tmp_path, capsys):
    """The embedded hub with the demo data and a password in an environment variable."""
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    monkeypatch.setenv("NEW_STAFF_PASSWORD", PASSWORD)
    assert cli.main(["demo"]) == 0
    capsys.readouterr()
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def add_seller(capsys) -> tuple[int, str, str]:
    return run(
        capsys,
        *("staff", "add", "dokafor", "--name", "Daniel Okafor"),
        *("--email", "d.okafor@acme-supply.example", "--password-env", "NEW_STAFF_PASSWORD"),
    )


def test_staff_add_list_show_and_disable(capsys, embedded):
    code, out, err = add_seller(capsys)
    assert (code, err) == (0, "")
    assert out.startswith("staff dokafor added (id ") and "profile salesperson" in out
    password_file = embedded / "warehouse.pw"
    password_file.write_text(PASSWORD + "\n")
    code, out, _ = run(
        capsys,
        *("staff", "add", "kbrandt", "--name", "Kim Brandt", "--profile", "warehouse"),
        *("--password-file", str(password_file)),
    )
    assert code == 0

    code, out, _ = run(capsys, "staff", "list", "--json")
    listed = {s["username"]: s for s in json.loads(out)}
    assert set(listed) == {"admin", "dokafor", "kbrandt"}
    assert (listed["admin"]["profile"], listed["admin"]["is_admin"]) == ("administrator", True)
    assert listed["kbrandt"]["profile"] == "warehouse"
    assert "password_hash" not in out and PASSWORD not in out

    code, out, _ = run(capsys, "staff", "show", "kbrandt", "--json")
    detail = json.loads(out)
    assert detail["permissions"] == [
        "collaborate",
        "orders.view",
        "products.view",
        "returns.manage",
        "returns.view",
        "shipments.manage",
        "shipments.view",
    ]
    assert detail["history"][0]["actor"].startswith("cli:")

    assert run(capsys, "staff", "disable", "kbrandt")[1] == "staff kbrandt disabled\n"
    code, out, _ = run(capsys, "staff", "list")
    kbrandt = next(line for line in out.splitlines() if line.startswith("kbrandt"))
    assert kbrandt.split()[1:4] == ["warehouse", "no", "no"]


def test_token_issue_prints_it_once_and_revoke_stops_it(capsys, embedded):
    add_seller(capsys)
    code, out, _ = run(capsys, "staff", "token", "issue", "dokafor", "--label", "Quote sync")
    token = out.strip()
    assert code == 0 and token.startswith("ob2b_") and out.count("\n") == 1
    app = cli._app()
    authenticator = TokenAuthenticator(app.uow_factory)
    assert authenticator.authenticate(token).username == "dokafor"

    code, out, _ = run(capsys, "staff", "show", "dokafor", "--json")
    (listed,) = json.loads(out)["tokens"]
    assert listed["label"] == "Quote sync" and token not in out
    code, out, _ = run(capsys, "staff", "token", "revoke", "dokafor", str(listed["id"]))
    assert out == f"token {listed['id']} of dokafor revoked\n"
    assert authenticator.authenticate(token) is None
    app.close()


def test_grant_revoke_and_profiles_change_show_restore(capsys, embedded):
    add_seller(capsys)
    code, out, _ = run(capsys, "staff", "grant", "dokafor", "invoices.view", "invoices.bulk")
    assert (code, out) == (0, "invoices.view, invoices.bulk granted to dokafor\n")
    run(capsys, "staff", "revoke", "dokafor", "quotes.send")
    code, out, _ = run(capsys, "staff", "show", "dokafor", "--json")
    permissions = json.loads(out)["permissions"]
    assert "invoices.bulk" in permissions and "quotes.send" not in permissions

    code, out, _ = run(
        capsys,
        "profiles",
        "change",
        "warehouse",
        "--grant",
        "invoices.view",
        "--revoke",
        "orders.view",
    )
    assert (code, out) == (0, "profile warehouse changed\n")
    code, out, _ = run(capsys, "profiles", "list", "--json")
    warehouse = next(p for p in json.loads(out) if p["name"] == "warehouse")
    assert warehouse["changed"] and warehouse["permissions"] == [
        "collaborate",
        "invoices.view",
        "products.view",
        "returns.manage",
        "returns.view",
        "shipments.manage",
        "shipments.view",
    ]
    code, out, _ = run(capsys, "profiles", "show", "warehouse")
    assert "changed from the default" in out and "added against the default: invoices.view" in out
    assert run(capsys, "profiles", "restore", "warehouse")[0] == 0
    code, out, _ = run(capsys, "profiles", "show", "warehouse", "--json")
    detail = json.loads(out)
    assert not detail["changed"] and "orders.view" in detail["permissions"]
    assert len(detail["history"]) == 2


def test_activity_list_filters_by_staff_and_document(capsys, embedded):
    add_seller(capsys)
    run(capsys, "staff", "token", "issue", "dokafor", "--label", "Quote sync")
    run(capsys, "profiles", "change", "accounting", "--grant", "orders.edit")
    code, out, _ = run(capsys, "activity", "list", "--json")
    actions = [e["action"] for e in json.loads(out)]
    assert actions == ["profiles.change", "staff.token_issue", "staff.add"]
    code, out, _ = run(capsys, "activity", "list", "--document", "staff:dokafor", "--json")
    assert [e["action"] for e in json.loads(out)] == ["staff.token_issue", "staff.add"]
    code, out, _ = run(capsys, "activity", "list", "--document", "profile", "--json")
    assert [e["document_id"] for e in json.loads(out)] == ["accounting"]
    code, out, _ = run(capsys, "activity", "list", "--staff", "nobody", "--json")
    assert json.loads(out) == []
    code, out, _ = run(capsys, "activity", "list", "--staff", f"cli:{getpass.getuser()}")
    assert out.count("\n") == 3
    code, out, _ = run(capsys, "activity", "list", "--since", "2999-01-01T00:00:00+00:00")
    assert (code, out) == (0, "")
    code, out, _ = run(capsys, "activity", "list", "--until", "2999-01-01")
    assert out.count("\n") == 3 and "staff.token_issue" in out and "ob2b_" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("staff", "add", "admin", "--name", "A", "--password-env", "NEW_STAFF_PASSWORD"),
            "exists",
        ),
        (("staff", "add", "x1", "--name", "X", "--password-env", "UNSET_VARIABLE"), "not set"),
        (("staff", "add", "x1", "--name", "X", "--password-file", "missing.pw"), "no such file"),
        (
            ("staff", "add", "x1", "--name", "X", "--password-env", "SHORT_PASSWORD"),
            "12 characters",
        ),
        (("staff", "grant", "admin", "orders.delete"), "unknown permission(s) orders.delete"),
        (("staff", "disable", "ghost"), "no staff member ghost"),
        (("staff", "token", "issue", "ghost", "--label", "L"), "no staff member ghost"),
        (("staff", "token", "issue", "admin", "--label", "L", "--expires", "soon"), "ISO 8601"),
        (("staff", "token", "revoke", "admin", "99"), "no API token 99"),
        (("profiles", "show", "intern"), "no profile intern"),
        (("profiles", "change", "warehouse"), "nothing to change"),
        (("profiles", "restore", "intern"), "unknown profile 'intern'"),
        (("activity", "list", "--since", "yesterday"), "--since 'yesterday'"),
        (("activity", "list", "--document", ":42"), "TYPE or TYPE:ID"),
        (("activity", "list", "--limit", "0"), "--limit must be 1 or more"),
    ],
)
def test_errors_are_one_line_and_exit_code_2(capsys, embedded, monkeypatch, args, message):
    monkeypatch.setenv("SHORT_PASSWORD", "hunter2")
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1
    assert message in err


def test_a_password_source_is_required(capsys, embedded):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["staff", "add", "x1", "--name", "X"])
    assert exit_.value.code == 2
    assert "--password-env" in capsys.readouterr().err
