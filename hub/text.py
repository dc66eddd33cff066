"""Plain-text renderings for the terminal."""

from __future__ import annotations


def order_text(detail: dict) -> str:
    lines = [
        f"Order {detail['number']}  [{detail['status']}]"
        + ("  NEEDS ATTENTION: " + detail["attention_reason"] if detail["needs_attention"] else ""),
        f"  {detail['channel']} from {detail['partner']}, their order {detail['external_order_id']}"
        f" dated {detail['order_date']}",
        f"  buyer: {detail['buyer_organisation'] or ''} {detail['buyer_name'] or ''}"
        f" {detail['buyer_email'] or ''}".rstrip(),
        f"  total: {detail['total_amount']} {detail['currency']}",
        "  lines:",
    ]
    for line in detail["lines"]:
        lines.append(
            f"    {line['line_number']:>3} {line['supplier_part_id'] or '':<20}"
            f" {line['quantity']:>8} {line['unit_of_measure']:<3}"
            f" @ {line['unit_price']}  {(line['description'] or '')[:40]}"
            + ("" if line["status"] == "open" else f"  ({line['status']})")
        )
    lines.append("  history:")
    for entry in detail["history"]:
        fields = ", ".join(entry["changes"])
        lines.append(
            f"    {entry['at']} {entry['actor_kind']}:{entry['actor']} {entry['action']}"
            f" {entry['entity']} {entry['entity_id']}: {fields}"
        )
    return "\n".join(lines)
