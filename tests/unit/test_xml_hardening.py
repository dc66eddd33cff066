"""The hardened XML parser refuses hostile documents and never reaches out."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from adapters import xml as hardened
from adapters.cxml.parse import parse
from adapters.xml import parse_xml, text
from core.errors import DocumentTooLarge, HostileDocument, ParseError

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
CXML = ROOT / "tests" / "fixtures" / "cxml"
PASSWD = Path("/etc/passwd")
SYSTEM_DOCTYPE = b'<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.014/cXML.dtd">'

pytestmark = pytest.mark.timeout(10)


def passwd_markers() -> list[str]:
    """Strings that would only show up if /etc/passwd had been read."""
    if not PASSWD.exists():
        return ["root:x:0:0"]
    lines = PASSWD.read_text(errors="replace").splitlines()
    return [line for line in lines[:3] if line] or ["root:x:0:0"]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A local TCP listener: any connection to it is a failed test."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.3)
    try:
        yield server
    finally:
        server.close()


def assert_no_connection(server: socket.socket) -> None:
    try:
        connection, peer = server.accept()
    except TimeoutError:
        return
    connection.close()
    pytest.fail(f"the parser connected to the listener from {peer}")


def with_port(path: Path, port: int) -> bytes:
    return path.read_bytes().replace(b"127.0.0.1:9/", b"127.0.0.1:%d/" % port)


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("xxe_file.xml", HostileDocument),
        ("xxe_http.xml", HostileDocument),
        ("billion_laughs.xml", HostileDocument),
        ("parameter_entity.xml", HostileDocument),
        ("not_xml.txt", ParseError),
    ],
)
@pytest.mark.parametrize("entry", [parse_xml, parse], ids=["parse_xml", "cxml.parse"])
def test_hostile_fixture_is_refused_quickly(name: str, error: type, entry) -> None:
    started = time.perf_counter()
    with pytest.raises(error) as caught:
        entry((HOSTILE / name).read_bytes())
    assert time.perf_counter() - started < 1.0
    message = str(caught.value)
    assert message and "\n" not in message
    for marker in passwd_markers():
        assert marker not in message


def test_not_xml_is_a_plain_parse_error() -> None:
    with pytest.raises(ParseError) as caught:
        parse_xml((HOSTILE / "not_xml.txt").read_bytes())
    assert not isinstance(caught.value, HostileDocument)
    assert caught.value.code == 400


@pytest.mark.parametrize("name", ["xxe_http.xml", "parameter_entity.xml"])
def test_external_entities_never_connect(name: str, listener: socket.socket) -> None:
    data = with_port(HOSTILE / name, listener.getsockname()[1])
    with pytest.raises(HostileDocument):
        parse_xml(data)
    assert_no_connection(listener)


@pytest.mark.parametrize(
    "name", ["xxe_file.xml", "xxe_http.xml", "parameter_entity.xml", "billion_laughs.xml"]
)
def test_parser_configuration_alone_is_safe(name: str, listener: socket.socket) -> None:
    """Even past the prolog check, the parser neither reads, fetches nor expands."""
    data = with_port(HOSTILE / name, listener.getsockname()[1])
    started = time.perf_counter()
    try:
        root = etree.fromstring(data, hardened._parser())
        serialised = etree.tostring(root).decode("utf-8", "replace")
    except etree.XMLSyntaxError as exc:
        serialised = str(exc)
    assert time.perf_counter() - started < 1.0
    assert len(serialised) < 10_000
    for marker in passwd_markers():
        assert marker not in serialised
    assert_no_connection(listener)


def test_system_doctype_is_accepted_without_fetching(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    for doctype in (
        b'<!DOCTYPE cXML SYSTEM "http://127.0.0.1:%d/cXML.dtd">' % port,
        b'<!DOCTYPE cXML PUBLIC "-//x//cXML//EN" "http://127.0.0.1:%d/cXML.dtd">' % port,
    ):
        root = parse_xml(b'<?xml version="1.0"?>\n' + doctype + b"\n<cXML a='1'>ok</cXML>")
        assert (root.tag, root.text) == ("cXML", "ok")
    assert_no_connection(listener)


def test_the_usual_cxml_doctype_is_accepted() -> None:
    root = parse_xml(b'<?xml version="1.0" encoding="UTF-8"?>\n' + SYSTEM_DOCTYPE + b"\n<cXML/>")
    assert root.getroottree().docinfo.system_url.endswith("/1.2.014/cXML.dtd")


def test_system_dtd_file_is_never_read(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ATTLIST cXML leaked CDATA "yes">\n<!ENTITY inside "from the dtd">\n')
    doctype = f'<!DOCTYPE cXML SYSTEM "{dtd.as_uri()}">'.encode()
    root = parse_xml(doctype + b"<cXML>plain</cXML>")
    assert root.get("leaked") is None
    with pytest.raises(HostileDocument):
        parse_xml(doctype + b"<cXML>&inside;</cXML>")


@pytest.mark.parametrize(
    "data",
    [
        SYSTEM_DOCTYPE + b"<cXML>&ext;</cXML>",
        SYSTEM_DOCTYPE + b'<cXML a="&ext;"/>',
        b"<cXML>&ext;</cXML>",
        b'<cXML a="&ext;"/>',
    ],
)
def test_undeclared_entity_references_are_refused(data: bytes) -> None:
    with pytest.raises(HostileDocument):
        parse_xml(data)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE cXML [<!ELEMENT cXML ANY>]><cXML/>",
        b'<!DOCTYPE cXML [<!ATTLIST cXML injected CDATA "yes">]><cXML/>',
        b'<!DOCTYPE cXML SYSTEM "x.dtd" [<!ENTITY a "b">]><cXML>&a;</cXML>',
        b"<!DOCTYPE cXML [\n<!ENTITY % p SYSTEM 'http://127.0.0.1:9/'>\n%p;\n]><cXML/>",
        b"<!-- hi --><!DOCTYPE cXML\n  [<!ENTITY a 'b'>]><cXML/>",
        b"<!ENTITY a 'b'><cXML/>",
        b"<!doctype cXML [<!ENTITY a 'b'>]><cXML/>",
    ],
)
def test_internal_subsets_and_declarations_are_refused(data: bytes) -> None:
    with pytest.raises(HostileDocument):
        parse_xml(data)


def test_brackets_inside_a_quoted_system_id_are_not_a_subset() -> None:
    assert parse_xml(b'<!DOCTYPE cXML SYSTEM "http://x.example/[v1]/cXML.dtd"><cXML/>') is not None


def test_predefined_and_character_references_are_fine() -> None:
    root = parse_xml(b'<cXML a="&quot;&apos;&#65;">&lt;&gt;&amp;&#x42;&#67;</cXML>')
    assert (root.get("a"), root.text) == ("\"'A", "<>&BC")


def test_too_large_is_refused_before_parsing() -> None:
    data = b"<cXML>" + b"x" * 100 + b"</cXML>"
    with pytest.raises(DocumentTooLarge) as caught:
        parse_xml(data, max_bytes=50)
    assert caught.value.code == 413
    assert parse_xml(data, max_bytes=len(data)).tag == "cXML"


def test_default_limit_is_ten_megabytes() -> None:
    with pytest.raises(DocumentTooLarge):
        parse_xml(b"<a>" + b" " * (10 * 1024 * 1024) + b"</a>")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty document"),
        (b" \r\n\t", "empty document"),
        (b"\xef\xbb\xbf", "empty document"),
        (b"PO 4411, ship Friday", "not XML"),
        (b'{"order": 1}', "not XML"),
        (b"<cXML><Header></cXML>", "not well-formed XML"),
        (b"<a/><b/>", "not well-formed XML"),
        ("<a/>".encode("utf-16"), "unsupported encoding"),
        ("<a/>".encode("utf-16-le"), "not XML"),
        ("<a/>".encode("cp500"), "not XML"),
        (b'<?xml version="1.0" encoding="UTF-7"?>+ADw-a/+AD4-', "unsupported encoding 'utf-7'"),
        (b'<?xml version="1.0" encoding="UTF-16"?><a/>', "unsupported encoding 'utf-16'"),
    ],
)
def test_not_xml_is_a_parse_error(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message) as caught:
        parse_xml(data)
    assert "\n" not in str(caught.value)


def test_excessive_depth_is_refused() -> None:
    with pytest.raises(ParseError):
        parse_xml(b"<a>" * 5000 + b"</a>" * 5000)


def test_encodings_utf8_with_and_without_bom_and_latin1() -> None:
    body = '<cXML name="Müller">Köln \u2192 ½</cXML>'
    declared = '<?xml version="1.0" encoding="ISO-8859-1"?>' + body.replace(" \u2192", "")
    for data in (
        body.encode("utf-8"),
        b"\xef\xbb\xbf" + body.encode("utf-8"),
        b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>' + body.encode("utf-8"),
        declared.encode("iso-8859-1"),
    ):
        root = parse_xml(data)
        assert root.get("name") == "Müller" and root.text.startswith("Köln")


def test_latin1_fixture_decodes() -> None:
    root = parse_xml((CXML / "latin1.xml").read_bytes())
    assert "Jürgen Weiß" in [el.text for el in root.iter("DeliverTo")]


def test_comments_are_kept_and_text_helper() -> None:
    root = parse_xml(b"<a><!-- note --><b> hi </b><c>  </c></a>")
    assert isinstance(root[0], etree._Comment)
    assert text(root, "b") == "hi"
    assert text(root, "c") is None
    assert text(root, "missing") is None
    assert text(None, "b") is None


def test_bytes_only() -> None:
    with pytest.raises(TypeError):
        parse_xml("<a/>")  # type: ignore[arg-type]
    assert parse_xml(bytearray(b"<a/>")).tag == "a"


def test_parsing_in_threads() -> None:
    data = (CXML / "bench_5line.xml").read_bytes()
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                assert len(parse(data)[0].lines) == 5
                with pytest.raises(HostileDocument):
                    parse_xml((HOSTILE / "xxe_file.xml").read_bytes())
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
