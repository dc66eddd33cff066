"""`orderb2b products|price-levels|tax-rates|shipping-ranges|discount-codes|branches`
on both databases."""

from __future__ import annotations

import getpass
import json

import pytest

from hub import cli


@pytest.fixture
def shell(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ORDERB2B_DATABASE_URL", database_url)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert (code, err) == (0, ""), err
    return out


def as_json(capsys, *args: str):
    return json.loads(ok(capsys, *args, "--json"))


def add_toner(capsys) -> None:
    ok(
        capsys,
        *("products", "add", "00412-BK", "--description", "Toner cartridge, black"),
        *("--maker", "Brother", "--maker-part", "TN-436BK", "--list-price", "100.00"),
        *("--cost", "60.00", "--weight", "1.9", "--category", "Toner & ink"),
    )


def test_products_add_change_show_and_history(capsys, shell):
    add_toner(capsys)
    assert ok(capsys, "products", "change", "00412-BK", "--list-price", "104.50") == (
        "product 00412-BK: list_price changed\n"
    )
    assert "nothing changed" in ok(capsys, "products", "change", "00412-BK", "--cost", "60.00")
    ok(capsys, "products", "supplier", "00412-BK", "ingram", "ING-7781234", "--cost", "58.2")
    detail = as_json(capsys, "products", "show", "00412-BK")
    assert (detail["list_price"], detail["suppliers"][0]["cost"]) == ("104.50", "58.2")
    update = detail["history"][1]
    assert update["actor"] == f"cli:{getpass.getuser()}"
    assert update["changes"] == {"list_price": {"old": "100.00", "new": "104.50"}}
    text = ok(capsys, "products", "show", "00412-BK")
    assert "ingram" in text and "list_price 100.00 -> 104.50" in text
    assert "archived" in ok(capsys, "products", "change", "00412-BK", "--archive")
    assert as_json(capsys, "products", "list") == []
    assert [p["sku"] for p in as_json(capsys, "products", "list", "--archived")] == ["00412-BK"]


def test_products_search_and_price_with_levels_and_breaks(capsys, shell):
    add_toner(capsys)
    ok(capsys, "products", "add", "CBL-USBC-2M", "--description", "USB-C cable, 2 m")
    assert [p["sku"] for p in as_json(capsys, "products", "search", "tn-436")] == ["00412-BK"]
    assert [p["sku"] for p in as_json(capsys, "products", "search", "usb")] == ["CBL-USBC-2M"]
    ok(capsys, "price-levels", "add", "CONTRACT", "--name", "Contract", "--kind", "fixed")
    ok(
        capsys,
        "price-levels",
        "add",
        "GSA",
        "--name",
        "GSA",
        "--kind",
        "list_discount",
        "--percent",
        "8",
    )
    assert [level["code"] for level in as_json(capsys, "price-levels", "list")] == [
        "CONTRACT",
        "GSA",
    ]
    assert ok(capsys, "products", "level-price", "00412-BK", "CONTRACT", "81.50") == (
        "product 00412-BK: CONTRACT price set to 81.50\n"
    )
    ok(capsys, "products", "break", "00412-BK", "10", "90")
    made = as_json(capsys, "products", "price", "00412-BK", "--quantity", "12")
    assert (made["unit_price"], made["source"], made["amount"]) == ("90.00", "break", "1080.00")
    text = ok(capsys, "products", "price", "00412-BK", "--override", "70", "--reason", "damaged")
    assert "70.00 USD each (override, margin 14.29%)" in text
    assert ok(capsys, "products", "break", "00412-BK", "10", "none").endswith("removed\n")
    assert as_json(capsys, "products", "price", "00412-BK", "--quantity", "12")["source"] == "list"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("products", "show", "NOPE"), "no product NOPE"),
        (("products", "change", "00412-BK"), "nothing to change"),
        (("products", "change", "00412-BK", "--cost", "cheap"), "--cost 'cheap' is not a number"),
        (("products", "price", "00412-BK", "--override", "5"), "--override needs --reason"),
        (("products", "add", "00412-BK", "--description", "again"), "exists already"),
        (("shipping-ranges", "quote", "Ground"), "give --order-value, --weight or both"),
        (("discount-codes", "check", "NOPE", "--order-value", "1"), "no discount code NOPE"),
        (("products", "list", "--limit", "0"), "--limit must be 1 or more"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(capsys, shell, args, message):
    add_toner(capsys)
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith("orderb2b: ") and err.count("\n") == 1 and message in err


def test_tax_rates_add_list_and_lookup(capsys, shell):
    ok(capsys, "tax-rates", "add", "US", "4.75", "--name", "North Carolina", "--state", "NC")
    ok(
        capsys,
        "tax-rates",
        "add",
        "US",
        "7",
        "--name",
        "Cumberland",
        "--state",
        "NC",
        "--postal-prefix",
        "283",
    )
    ok(capsys, "tax-rates", "add", "US", "4.80", "--name", "North Carolina", "--state", "NC")
    listed = as_json(capsys, "tax-rates", "list")
    assert [(r["postal_prefix"], r["rate"]) for r in listed] == [(None, "4.80"), ("283", "7")]
    quote = as_json(
        capsys,
        "tax-rates",
        "lookup",
        "--country",
        "US",
        "--state",
        "NC",
        "--postal-code",
        "28310",
        "--amount",
        "200",
    )
    assert (quote["tax"], quote["rate_name"]) == ("14.00", "Cumberland")
    text = ok(capsys, "tax-rates", "lookup", "--country", "US", "--state", "NC", "--amount", "100")
    assert text == "tax 4.80 on 100 at 4.80% (North Carolina)\n"


def test_shipping_ranges_add_list_quote_and_refuse_overlaps(capsys, shell):
    ok(
        capsys,
        "shipping-ranges",
        "add",
        "Ground",
        "--basis",
        "order_value",
        "--min",
        "0",
        "--max",
        "100",
        "--price",
        "12.50",
    )
    ok(
        capsys,
        "shipping-ranges",
        "add",
        "Ground",
        "--basis",
        "order_value",
        "--min",
        "100",
        "--price",
        "0",
    )
    code, _, err = run(
        capsys,
        "shipping-ranges",
        "add",
        "Ground",
        "--basis",
        "order_value",
        "--min",
        "50",
        "--price",
        "1",
    )
    assert code == 2 and "overlaps range 1" in err
    assert len(as_json(capsys, "shipping-ranges", "list")) == 2
    assert ok(capsys, "shipping-ranges", "quote", "Ground", "--order-value", "40") == (
        "Ground: 12.50 (Ground by order_value from 0 to 100 (every country))\n"
    )
    assert (
        as_json(capsys, "shipping-ranges", "quote", "ground", "--order-value", "400")["price"]
        == "0"
    )


def test_discount_codes_generate_list_and_check(capsys, shell):
    out = ok(
        capsys,
        *("discount-codes", "generate", "--prefix", "fall", "--count", "3", "--kind", "amount"),
        *("--value", "25", "--max-uses", "2", "--min-order", "100", "--valid-until", "2026-12-31"),
    )
    generated = out.split()
    assert len(generated) == 3 and all(code.startswith("FALL-") for code in generated)
    listed = as_json(capsys, "discount-codes", "list")
    assert sorted(c["code"] for c in listed) == sorted(generated)
    verdict = as_json(
        capsys,
        "discount-codes",
        "check",
        generated[0],
        "--order-value",
        "150",
        "--date",
        "2026-06-01",
    )
    assert (verdict["accepted"], verdict["discount"]) == (True, "25.00")
    text = ok(
        capsys,
        "discount-codes",
        "check",
        generated[0],
        "--order-value",
        "50",
        "--date",
        "2026-06-01",
    )
    assert text == f"{generated[0]}: refused: the order value is under the minimum of 100\n"
    ok(capsys, "discount-codes", "add", "WELCOME5", "--kind", "percent", "--value", "5")
    assert "WELCOME5" in ok(capsys, "discount-codes", "list")


def test_branches_add_and_list(capsys, shell):
    ok(
        capsys,
        *(
            "branches",
            "add",
            "RAL",
            "--name",
            "Raleigh warehouse",
            "--street1",
            "4300 Wake Forest Rd",
        ),
        *(
            "--city",
            "Raleigh",
            "--state",
            "NC",
            "--postal-code",
            "27609",
            "--country",
            "US",
            "--pickup",
        ),
    )
    ok(
        capsys,
        "branches",
        "add",
        "SAT",
        "--name",
        "San Antonio",
        "--street1",
        "1 Main",
        "--city",
        "SA",
        "--country",
        "US",
    )
    assert [b["code"] for b in as_json(capsys, "branches", "list", "--pickup")] == ["RAL"]
    text = ok(capsys, "branches", "list")
    assert "RAL" in text and "4300 Wake Forest Rd, Raleigh, NC, US" in text


def test_demo_generates_searchable_products_with_suppliers_and_history(capsys, shell):
    code, out, progress = run(capsys, "demo", "--products", "60")
    assert code == 0 and out.endswith("60 products generated\n")
    assert progress == "60 of 60 products generated\n"
    listed = as_json(capsys, "products", "list", "--limit", "500")
    assert len(listed) == 65  # the five demo products and the sixty made
    made = next(p for p in listed if p["sku"].endswith("-000060"))
    detail = as_json(capsys, "products", "show", made["sku"])
    assert 1 <= len(detail["suppliers"]) <= 3
    assert detail["history"][0]["changes"]["suppliers"]["new"][0]["supplier_code"]
    supplier_part = detail["suppliers"][0]["supplier_part_id"]
    found = as_json(capsys, "products", "search", supplier_part)
    assert made["sku"] in [p["sku"] for p in found]
    words = detail["description"].split(",")[0]
    assert made["sku"] in [
        p["sku"] for p in as_json(capsys, "products", "search", words, "--limit", "500")
    ]
    assert len(as_json(capsys, "price-levels", "list")) == 4
    assert (
        as_json(capsys, "shipping-ranges", "quote", "Ground", "--order-value", "40")["price"]
        == "12.50"
    )
    assert [b["code"] for b in as_json(capsys, "branches", "list", "--pickup")] == ["NOR", "RAL"]
    assert run(capsys, "demo", "--products", "5")[1].endswith("5 products generated\n")
    assert len(as_json(capsys, "products", "list", "--limit", "500")) == 70
