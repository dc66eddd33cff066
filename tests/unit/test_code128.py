"""The Code 128 encoder against values worked out by hand from the Code 128 tables
(ISO/IEC 15417): symbol values, check symbols and full module patterns."""

from __future__ import annotations

import random
import string
import xml.etree.ElementTree as ET

import pytest

from adapters.carriers import code128
from adapters.carriers.code128 import BarcodeError, bars, encode, svg

QUIET = "0" * 10
START_B = "11010010000"  # 211214
START_C = "11010011100"  # 211232
STOP = "1100011101011"  # 2331112


@pytest.mark.parametrize(
    ("text", "values"),
    [
        # A=33, B=34; check (104 + 1*33 + 2*34) % 103 = 205 % 103 = 102
        ("AB", [104, 33, 34, 102, 106]),
        # one digit stays in B: "1"=17; (104 + 17) % 103 = 18
        ("1", [104, 17, 18, 106]),
        # two digits are one symbol in C; (105 + 12) % 103 = 14
        ("12", [105, 12, 14, 106]),
        # (105 + 12 + 2*34 + 3*56) % 103 = 353 % 103 = 44
        ("123456", [105, 12, 34, 56, 44, 106]),
        # B, then Code C (99) for the digits:
        # (104 + 33 + 2*34 + 3*99 + 4*12 + 5*34 + 6*56) % 103 = 1056 % 103 = 26
        ("AB123456", [104, 33, 34, 99, 12, 34, 56, 26, 106]),
        # C, then Code B (100): (105 + 12 + 68 + 168 + 4*100 + 5*33) % 103 = 918 % 103 = 94
        ("123456A", [105, 12, 34, 56, 100, 33, 94, 106]),
        # "AB12" in C would be as long as in B, so it stays in B:
        # (104 + 33 + 68 + 3*17 + 4*18) % 103 = 328 % 103 = 19
        ("AB12", [104, 33, 34, 17, 18, 19, 106]),
        # "a" = 65, space = 0, "~" = 94, DEL = 95:
        # (104 + 65 + 0 + 3*94 + 4*95) % 103 = 831 % 103 = 7
        ("a ~\x7f", [104, 65, 0, 94, 95, 7, 106]),
    ],
)
def test_symbol_values_and_check_symbols(text, values):
    assert encode(text) == values


def test_full_pattern_of_ab():
    assert bars("AB") == (
        QUIET
        + START_B
        + "10100011000"  # 33 "A": 111323
        + "10001011000"  # 34 "B": 131123
        + "11110101110"  # check 102: 411131
        + STOP
        + QUIET
    )


def test_full_pattern_of_12():
    assert bars("12") == (
        QUIET
        + START_C
        + "10110011100"  # 12: 112232
        + "10011001110"  # check 14: 122231
        + STOP
        + QUIET
    )


def test_full_pattern_of_a_fedex_tracking_number():
    # 7946 4479 0138 in C: 79 46 44 79 01 38;
    # check (105 + 79 + 2*46 + 3*44 + 4*79 + 5*1 + 6*38) % 103 = 957 % 103 = 30
    assert encode("794644790138") == [105, 79, 46, 44, 79, 1, 38, 30, 106]
    assert bars("794644790138") == (
        QUIET
        + START_C
        + "10001111010"  # 79: 134111
        + "10111000110"  # 46: 113321
        + "10001101110"  # 44: 132131
        + "10001111010"  # 79
        + "11001101100"  # 01: 222122
        + "10001100010"  # 38: 132311
        + "11011011000"  # check 30: 212123
        + STOP
        + QUIET
    )


def test_every_symbol_is_eleven_modules_with_an_even_bar_count():
    for value, widths in enumerate(code128.WIDTHS):
        modules = [int(width) for width in widths]
        assert sum(modules) == (13 if value == code128.STOP else 11), value
        assert sum(modules[0::2]) % 2 == 0, value


@pytest.mark.parametrize(
    ("text", "symbols"),
    [
        ("1234", 2),  # all digits: C throughout
        ("12345", 4),  # 12 34 in C, Code B, 5 (or 1 in B, Code C, 23 45)
        ("A1234", 4),  # A, Code C, 12 34: digits at the end pay for one switch
        ("A123456", 5),  # A, Code C, 12 34 56
        ("A1234B", 6),  # switching in and out would cost more
        ("A123456B", 7),  # A, Code C, 12 34 56, Code B, B
        # a UPS-style number: B up to the "1" of "10123456784", then C for 01 23 45 67 84
        ("1Z999AA10123456784", 14),
    ],
)
def test_subset_c_only_where_it_is_shorter(text, symbols):
    values = encode(text)
    assert len(values) - 3 == symbols  # start, check and stop aside
    assert decode(values) == text


def test_text_without_digit_runs_stays_in_subset_b():
    for text in ("A1B2C3", "12A", "1", "AB12", "A1234B"):
        values = encode(text)
        assert values[0] == 104 and 99 not in values[1:-2], text


def test_random_text_decodes_back():
    chars = string.digits * 5 + string.ascii_letters + " -/.#"
    generator = random.Random(128)
    for _ in range(300):
        text = "".join(generator.choice(chars) for _ in range(generator.randint(1, 30)))
        values = encode(text)
        assert decode(values) == text
        assert values[-2] == check_of(values[:-2])
        assert len(bars(text)) == 20 + 11 * (len(values) - 1) + 13


@pytest.mark.parametrize("text", ["", "é", "tab\there", "line\n", "€100"])
def test_characters_it_cannot_carry_are_refused(text):
    with pytest.raises(BarcodeError):
        encode(text)
    with pytest.raises(ValueError):
        svg(text, height=50, module_width=2)


def test_svg_draws_each_bar_at_its_modules():
    image = svg("AB", height=50, module_width=2)
    root = ET.fromstring(image)
    pattern = bars("AB")

    assert root.get("width") == str(len(pattern) * 2) and root.get("height") == "50"
    drawn = ["0"] * len(pattern)
    rects = root.findall("{http://www.w3.org/2000/svg}g/{http://www.w3.org/2000/svg}rect")
    for rect in rects:
        start, width = int(rect.get("x")) // 2, int(rect.get("width")) // 2
        drawn[start : start + width] = "1" * width
    assert "".join(drawn) == pattern
    assert len(rects) == pattern.count("01")


def check_of(symbols: list[int]) -> int:
    return (symbols[0] + sum(n * value for n, value in enumerate(symbols[1:], start=1))) % 103


def decode(values: list[int]) -> str:
    """Read symbol values back as a scanner would (subsets B and C)."""
    assert values[-1] == 106
    subset = {104: "B", 105: "C"}[values[0]]
    text = []
    for value in values[1:-2]:
        if subset == "B" and value == 99:
            subset = "C"
        elif subset == "C" and value == 100:
            subset = "B"
        elif subset == "B":
            text.append(chr(value + 32))
        else:
            text.append(f"{value:02d}")
    return "".join(text)
