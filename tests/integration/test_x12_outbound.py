"""`orderb2b x12 confirm`: an 855 built from an order that came in as an 850, with the
partner's ids and our next control numbers, posted to the partner's endpoint."""

from __future__ import annotations

import json

from adapters.x12.envelope import read_interchange
from hub.cli import main
from tests.conftest import FIXTURES

VA = FIXTURES / "x12" / "va_it_equipment.edi"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_an_855_reaches_the_partner(partner_url, monkeypatch, tmp_path, capsys):
    url, partner = partner_url
    partner.answers.append(200)
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    ids = ["--x12-qualifier", "ZZ", "--x12-id", "VAFSCEDI", "--our-x12-qualifier", "ZZ"]
    ids += ["--our-x12-id", "ORDERB2BHUB", "--endpoint", f"order_confirmation={url}"]
    assert (
        run(capsys, "partners", "add", "va-fsc", "--name", "VA", "--channel", "x12", *ids)[0] == 0
    )
    code, out, _ = run(capsys, "ingest", "--channel", "x12", str(VA))
    (number,) = json.loads(out)["orders"]
    code, out, err = run(capsys, "x12", "confirm", number, "--line", "1:backorder:1:2025-04-20")
    assert (code, err) == (0, "") and f"confirmation of {number} sent to {url}: 200" in out
    ((content_type, body),) = partner.received
    assert content_type == "application/edi-x12"
    sent = read_interchange(body)
    assert (sent.sender_id, sent.receiver_id) == ("ORDERB2BHUB", "VAFSCEDI")
    assert sent.control_number == "000000002", "the 997 took 000000001"
    (group,) = sent.groups
    (transaction,) = group.transaction_sets
    assert transaction.id_code == "855"
    tags = [segment.tag for segment in transaction.segments]
    assert "BAK" in tags and "ACK" in tags
    code, _, err = run(capsys, "cxml", "confirm", number)
    assert code == 2 and "takes x12 documents, not cxml" in err


def test_an_856_and_an_810_reach_the_partner(partner_url, monkeypatch, tmp_path, capsys):
    url, partner = partner_url
    partner.answers.extend([200, 200])
    monkeypatch.setenv("ORDERB2B_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ORDERB2B_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORDERB2B_AMQP_URL", raising=False)
    ids = ["--x12-qualifier", "ZZ", "--x12-id", "VAFSCEDI", "--our-x12-qualifier", "ZZ"]
    ids += ["--our-x12-id", "ORDERB2BHUB", "--mode", "test"]
    ids += ["--endpoint", f"ship_notice={url}", "--endpoint", f"invoice={url}"]
    assert (
        run(capsys, "partners", "add", "va-fsc", "--name", "VA", "--channel", "x12", *ids)[0] == 0
    )
    (number,) = json.loads(run(capsys, "ingest", "--channel", "x12", str(VA))[1])["orders"]
    ship = ["shipments", "add", number, "--carrier", "FedEx Ground", "--carrier-code", "FDEG"]
    shipment = run(capsys, *ship, "--tracking", "794612345678")[1].split()[1]
    assert run(capsys, "x12", "ship-notice", shipment)[0] == 0
    invoice = run(capsys, "invoices", "create", number)[1].split()[1]
    assert run(capsys, "x12", "invoice", invoice)[0] == 0
    notice, billed = (read_interchange(body) for _, body in partner.received)
    assert (notice.usage, billed.usage) == ("T", "T")
    assert [s.id_code for g in notice.groups for s in g.transaction_sets] == ["856"]
    assert [s.id_code for g in billed.groups for s in g.transaction_sets] == ["810"]
    assert int(billed.control_number) == int(notice.control_number) + 1
    (sets,) = [g.transaction_sets for g in notice.groups]
    references = [(s.element(1), s.element(2)) for s in sets[0].segments if s.tag == "REF"]
    assert ("CN", "794612345678") in references
