"""Plain text from an email's HTML: tags stripped, scripts, styles and the head dropped
(never run), block elements on their own lines, blockquotes quoted with "> "."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_DROPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "object"})
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "table",
        "ul",
        "ol",
        "pre",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
    }
)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.dropping = 0
        self.quoting = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.dropping += 1
        elif tag in _BLOCKS:
            self._break()
            if tag == "blockquote":
                self.quoting += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif tag in _BLOCKS:
            if tag == "blockquote":
                self.quoting = max(0, self.quoting - 1)
            self._break()

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        text = re.sub(r"\s+", " ", data.replace("\xa0", " "))
        if not self.lines[-1]:
            text = text.lstrip()
            if text and self.quoting:
                text = "> " * self.quoting + text
        self.lines[-1] += text

    def _break(self) -> None:
        self.lines[-1] = self.lines[-1].rstrip()
        if self.lines[-1] or (len(self.lines) > 1 and self.lines[-2]):
            self.lines.append("")


def html_to_text(html: str) -> str:
    """Readable text of an HTML body; markup is only read, never rendered or run."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "\n".join(line.rstrip() for line in collector.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
