"""Returns (RMAs) as plain objects: what may be returned of an order, the statuses
and their order, receiving, editing, and errors that change nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.model.orders import Order, OrderLine
from core.model.rmas import Rma, RmaRefused, check_comment, format_number, returnable

BUYER = "t.nguyen@mercyhealth.example.org"


def shipped_order() -> Order:
    """Ten boxes of gloves ordered, six shipped; four cases of paper, all shipped;
    a monitor not shipped."""
    order = Order("SO0000042", "cxml", "mercy-health", "PO-0048213")
    order.id, order.customer_id, order.buyer_email = 42, 7, BUYER
    order.lines = [
        _line(1, "10", "6", "BX", supplier_part_id="00731-NTR-M", description="Nitrile gloves"),
        _line(2, "4", "4", "CS", buyer_part_id="MH-000982", description="Copy paper"),
        _line(3, "1", "0", "EA", supplier_part_id="0027-U2723QE", description="Monitor"),
        _line(4, "2", "2", "EA", status="removed"),
    ]
    return order


def _line(number, quantity, shipped, unit, status="open", **values) -> OrderLine:
    values = {"supplier_part_id": None, "buyer_part_id": None, "manufacturer_part_id": None,
              "description": None, **values}  # fmt: skip
    return OrderLine(
        line_number=number,
        status=status,
        quantity=Decimal(quantity),
        shipped_quantity=Decimal(shipped),
        unit_of_measure=unit,
        **values,
    )


def rma(order=None, quantities=None, others=(), **values) -> Rma:
    values = {"reason_code": "damaged", "resolution": "replacement", **values}
    return Rma(
        format_number(1),
        order or shipped_order(),
        quantities or {1: Decimal("2")},
        created_by="lortega",
        others=others,
        **values,
    )


def test_an_rma_copies_the_order_lines_and_defaults_to_the_buyer():
    opened = rma(quantities={1: Decimal("2"), 2: Decimal("1.5")}, notes="  Left at dock  ")
    assert (opened.number, opened.status, opened.order_id, opened.customer_id) == (
        "RMA000001",
        "requested",
        42,
        7,
    )
    assert (opened.contact_email, opened.notes, opened.created_by) == (
        BUYER,
        "Left at dock",
        "lortega",
    )
    assert [
        (x.line_number, x.order_line_number, x.part_number, x.description, x.unit_of_measure)
        for x in opened.lines
    ] == [(1, 1, "00731-NTR-M", "Nitrile gloves", "BX"), (2, 2, "MH-000982", "Copy paper", "CS")]
    assert [(x.quantity, x.received_quantity, x.condition) for x in opened.lines] == [
        (Decimal("2"), 0, None),
        (Decimal("1.5"), 0, None),
    ]


@pytest.mark.parametrize(
    ("quantities", "message"),
    [
        ({1: Decimal("7")}, "order line 1: 7 BX asked but only 6 BX shipped"),
        ({3: Decimal("1")}, "order line 3: 1 EA asked but only 0 EA shipped"),
        ({1: Decimal("0")}, "order line 1: the quantity to return must be above 0"),
        ({1: Decimal("-1")}, "above 0"),
        ({1: Decimal("NaN")}, "above 0"),
        ({9: Decimal("1")}, "order SO0000042 has no line 9"),
        ({4: Decimal("1")}, "order SO0000042 has no line 4"),
    ],
)
def test_a_line_returns_at_most_what_shipped(quantities, message):
    with pytest.raises(RmaRefused, match=message):
        rma(quantities=quantities)


def test_live_rmas_of_the_order_count_against_what_may_be_returned():
    order = shipped_order()
    first = rma(order, {1: Decimal("4")})
    assert returnable(order.lines[0], [first]) == 2
    with pytest.raises(RmaRefused, match="only 2 BX shipped and not yet returned"):
        rma(order, {1: Decimal("3")}, others=[first])
    first.change_status("cancel")
    assert rma(order, {1: Decimal("6")}, others=[first]).lines[0].quantity == 6


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"reason_code": "broken"}, "reason_code must be one of damaged, defective"),
        ({"resolution": "cash"}, "resolution must be one of refund, replacement"),
        ({"reason_code": "other"}, 'a reason_code of "other" needs the reason'),
        ({"reason_code": "other", "reason": "   "}, "needs the reason"),
        ({"contact_email": "not-an-address"}, "is not an email address"),
        ({"notes": "x" * 10_001}, "notes is longer than 10000 characters"),
    ],
)
def test_bad_fields_are_refused(values, message):
    with pytest.raises(RmaRefused, match=message):
        rma(**values)


def test_the_whole_life_sets_its_dates():
    opened, now = rma(quantities={1: Decimal("2"), 2: Decimal("1")}), datetime.now(UTC)
    assert opened.change_status("authorize", now=now) == ("requested", "authorized")
    assert opened.authorized_at == now
    received = {1: (Decimal("1.5"), "opened")}
    assert opened.change_status("receive", received=received) == ("authorized", "received")
    assert [(x.received_quantity, x.condition) for x in opened.lines] == [
        (Decimal("1.5"), "opened"),
        (Decimal("0"), "missing"),
    ]
    assert opened.received_at is not None and opened.closed_at is None
    assert opened.change_status("close", reason="credited") == ("received", "closed")
    assert opened.closed_at is not None and opened.notes == "closed: credited"


@pytest.mark.parametrize(
    ("steps", "action", "message"),
    [
        ((), "receive", "RMA000001 is requested; it cannot be received"),
        ((), "close", "is requested; it cannot be closed"),
        (("authorize",), "authorize", "is authorized; it cannot be authorized"),
        (("reject",), "authorize", "is rejected; it cannot be authorized"),
        (("cancel",), "reject", "is cancelled; it cannot be rejected"),
        ((), "explode", "action must be one of authorize, receive, close, reject, cancel"),
    ],
)
def test_wrong_transitions_are_refused(steps, action, message):
    opened = rma()
    for step in steps:
        opened.change_status(step)
    status = opened.status
    with pytest.raises(RmaRefused, match=message):
        opened.change_status(action, received={1: (Decimal("1"), None)})
    assert opened.status == status


def test_received_and_closed_rmas_cannot_be_rejected_or_cancelled():
    opened = rma()
    opened.change_status("authorize")
    opened.change_status("receive", received={1: (Decimal("2"), "new")})
    for action in ("reject", "cancel"):
        with pytest.raises(RmaRefused, match="is received; it cannot be"):
            opened.change_status(action)


@pytest.mark.parametrize(
    ("received", "message"),
    [
        ({}, "say what was received"),
        ({1: (Decimal("3"), "new")}, "order line 1: the quantity received must be from 0 to 2"),
        ({1: (Decimal("-1"), "new")}, "from 0 to 2"),
        ({1: (Decimal("1"), "smashed")}, "condition must be one of new, opened, damaged"),
        ({2: (Decimal("1"), "new")}, "RMA000001 returns nothing of order line 2"),
    ],
)
def test_bad_receipts_change_nothing(received, message):
    opened = rma()
    opened.change_status("authorize")
    with pytest.raises(RmaRefused, match=message):
        opened.change_status("receive", received=received)
    assert opened.status == "authorized"
    assert [(x.received_quantity, x.condition) for x in opened.lines] == [(0, None)]


def test_rejecting_keeps_the_reason_in_the_notes():
    opened = rma(notes="Photos attached")
    opened.change_status("reject", reason="Outside the 30-day window")
    assert opened.notes == "Photos attached\nrejected: Outside the 30-day window"


def test_edit_fields_and_quantities_while_requested_or_authorised():
    order = shipped_order()
    opened = rma(order)
    changed = opened.change(
        {"resolution": "refund", "contact_email": "ap@mercy.example.org", "notes": None},
        {1: Decimal("3"), 2: Decimal("4")},
    )
    assert changed == ["resolution", "contact_email", "line 1", "line 2"]
    assert [(x.order_line_number, x.quantity) for x in opened.lines] == [(1, 3), (2, 4)]
    assert opened.change({"resolution": "refund"}) == []
    opened.change_status("authorize")
    assert opened.change({"reason_code": "defective"}) == ["reason_code"]
    opened.change_status("cancel")
    with pytest.raises(RmaRefused, match="is cancelled; it cannot be edited"):
        opened.change({"notes": "late"})


def test_a_refused_edit_changes_nothing():
    order = shipped_order()
    other = rma(order, {1: Decimal("3")})
    opened = rma(order, {1: Decimal("2")}, others=[other])
    with pytest.raises(RmaRefused, match="only 3 BX shipped and not yet returned"):
        opened.change({"resolution": "refund"}, {1: Decimal("4")}, others=[other, opened])
    with pytest.raises(RmaRefused, match="an RMA has no status to change"):
        opened.change({"status": "closed"})
    with pytest.raises(RmaRefused, match="needs the reason"):
        opened.change({"reason_code": "other"}, {1: Decimal("1")})
    assert (opened.resolution, opened.reason_code, opened.lines[0].quantity) == (
        "replacement",
        "damaged",
        2,
    )


def test_archiving_is_a_flag():
    opened = rma()
    assert opened.set_archived(True) and opened.archived
    assert not opened.set_archived(True)
    assert opened.set_archived(False) and not opened.archived


@pytest.mark.parametrize(
    ("visibility", "body", "message"),
    [
        ("everyone", "hi", "visibility must be one of private, public"),
        ("private", "   ", "a comment needs some text"),
        ("public", "x" * 10_001, "at most 10000 characters"),
    ],
)
def test_comments_are_checked(visibility, body, message):
    with pytest.raises(RmaRefused, match=message):
        check_comment(visibility, body)
    assert check_comment("public", "  Box was crushed  ") == "Box was crushed"
