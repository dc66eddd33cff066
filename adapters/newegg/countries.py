"""Newegg's ship-to countries to ISO 3166-1 alpha-2.

Newegg writes the country as a name ("UNITED STATES") on Newegg.com answers and as an
alpha-3 code ("USA", "CAN") elsewhere; its international program uses the alpha-3
codes listed in its order filters. Each country below is known by its alpha-2 code,
its alpha-3 code and the names Newegg or buyers write.
"""

from __future__ import annotations

import re

from adapters.newegg.fields import clip
from core.errors import ParseError

_COUNTRIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("US", "USA", ("UNITED STATES", "UNITED STATES OF AMERICA", "U S A", "U S")),
    ("CA", "CAN", ("CANADA",)),
    ("PR", "PRI", ("PUERTO RICO",)),
    ("GU", "GUM", ("GUAM",)),
    ("VI", "VIR", ("VIRGIN ISLANDS", "US VIRGIN ISLANDS", "VIRGIN ISLANDS U S")),
    ("MX", "MEX", ("MEXICO",)),
    ("AU", "AUS", ("AUSTRALIA",)),
    ("NZ", "NZL", ("NEW ZEALAND",)),
    ("GB", "GBR", ("UNITED KINGDOM", "GREAT BRITAIN")),
    ("IE", "IRL", ("IRELAND",)),
    ("NL", "NLD", ("NETHERLANDS", "THE NETHERLANDS")),
    ("PL", "POL", ("POLAND",)),
    ("IN", "IND", ("INDIA",)),
    ("SG", "SGP", ("SINGAPORE",)),
    ("HK", "HKG", ("HONG KONG",)),
    ("MO", "MAC", ("MACAO", "MACAU")),
    ("ID", "IDN", ("INDONESIA",)),
    ("PH", "PHL", ("PHILIPPINES",)),
    ("KR", "KOR", ("SOUTH KOREA", "KOREA", "REPUBLIC OF KOREA")),
    ("TH", "THA", ("THAILAND",)),
    ("BR", "BRA", ("BRAZIL",)),
    ("CL", "CHL", ("CHILE",)),
    ("CN", "CHN", ("CHINA",)),
    ("CO", "COL", ("COLOMBIA",)),
    ("CR", "CRI", ("COSTA RICA",)),
    ("DO", "DOM", ("DOMINICAN REPUBLIC",)),
    ("EC", "ECU", ("ECUADOR",)),
    ("SV", "SLV", ("EL SALVADOR",)),
    ("GT", "GTM", ("GUATEMALA",)),
    ("HN", "HND", ("HONDURAS",)),
    ("JM", "JAM", ("JAMAICA",)),
    ("NI", "NIC", ("NICARAGUA",)),
    ("PA", "PAN", ("PANAMA",)),
    ("IL", "ISR", ("ISRAEL",)),
    ("SA", "SAU", ("SAUDI ARABIA",)),
    ("TR", "TUR", ("TURKEY", "TURKIYE")),
    ("AE", "ARE", ("UNITED ARAB EMIRATES",)),
    ("AT", "AUT", ("AUSTRIA",)),
    ("BE", "BEL", ("BELGIUM",)),
    ("BG", "BGR", ("BULGARIA",)),
    ("DK", "DNK", ("DENMARK",)),
    ("FI", "FIN", ("FINLAND",)),
    ("FR", "FRA", ("FRANCE",)),
    ("DE", "DEU", ("GERMANY",)),
    ("GR", "GRC", ("GREECE",)),
    ("HU", "HUN", ("HUNGARY",)),
    ("IT", "ITA", ("ITALY",)),
    ("LV", "LVA", ("LATVIA",)),
    ("LU", "LUX", ("LUXEMBOURG",)),
    ("MC", "MCO", ("MONACO",)),
    ("NO", "NOR", ("NORWAY",)),
    ("PT", "PRT", ("PORTUGAL",)),
    ("SK", "SVK", ("SLOVAKIA",)),
    ("SI", "SVN", ("SLOVENIA",)),
    ("ES", "ESP", ("SPAIN",)),
    ("SE", "SWE", ("SWEDEN",)),
    ("CH", "CHE", ("SWITZERLAND",)),
    ("JP", "JPN", ("JAPAN",)),
    ("TW", "TWN", ("TAIWAN",)),
)
_ALIASES = {key: alpha2 for alpha2, alpha3, names in _COUNTRIES for key in (alpha2, alpha3, *names)}
_NOT_LETTERS = re.compile(r"[^A-Z]+")


def iso_country(value: str, where: str) -> str:
    """The ISO 3166-1 alpha-2 code of a Newegg country name or code."""
    key = " ".join(_NOT_LETTERS.sub(" ", value.upper()).split())
    code = _ALIASES.get(key)
    if code is None:
        raise ParseError(f"{where} names an unknown country '{clip(value)}'")
    return code
