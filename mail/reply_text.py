"""The new text of a reply, above what it quotes."""

from __future__ import annotations

import re

_ATTRIBUTION = re.compile(
    r"^\s*(On\s.{1,300}\swrote:|Am\s.{1,300}\sschrieb\s?.{0,200}:|Le\s.{1,300}\sa\s+écrit\s?:)\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}"
    r"|_{20,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Von|De)\s*:\*?\s", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\s*\*?(Sent|Date|Gesendet|Envoyé)\s*:\*?\s", re.IGNORECASE)


def split_reply(text: str) -> str:
    """The text above the first quote: an "On ... wrote:" line (also wrapped over two
    lines), an "-----Original Message-----" or Outlook rule, an Outlook "From:/Sent:"
    block, or the first ">" quoted line."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        two = f"{line} {lines[index + 1]}" if index + 1 < len(lines) else line
        if (
            line.lstrip().startswith(">")
            or _ATTRIBUTION.match(line)
            or (line.strip().startswith("On ") and _ATTRIBUTION.match(two))
            or _SEPARATOR.match(line)
            or (_OUTLOOK_FROM.match(line) and _sent_follows(lines, index))
        ):
            return "\n".join(lines[:index]).strip()
    return text.strip()


def _sent_follows(lines: list[str], index: int) -> bool:
    return any(_OUTLOOK_SENT.match(line) for line in lines[index + 1 : index + 4])
