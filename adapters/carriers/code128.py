"""Code 128 barcodes (ISO/IEC 15417): symbol values, module pattern and SVG.

Text is encoded in subset B (ASCII 32-127), switching to subset C (two digits a
symbol) wherever that gives fewer symbols; text that subset C would not shorten
stays all in subset B. Subset A (control characters) is not offered.
"""

from __future__ import annotations

START_B, START_C, CODE_B, CODE_C, STOP = 104, 105, 100, 99, 106
QUIET_ZONE = 10  # modules of space each side (the standard asks for at least 10)

# Bar and space widths in modules of each symbol value, bar first; 106 is the stop
# with its final two-module bar.
# fmt: off
WIDTHS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312",  # 0-7
    "132212", "221213", "221312", "231212", "112232", "122132", "122231", "113222",  # 8-15
    "123122", "123221", "223211", "221132", "221231", "213212", "223112", "312131",  # 16-23
    "311222", "321122", "321221", "312212", "322112", "322211", "212123", "212321",  # 24-31
    "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",  # 32-39
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121",  # 40-47
    "313121", "211331", "231131", "213113", "213311", "213131", "311123", "311321",  # 48-55
    "331121", "312113", "312311", "332111", "314111", "221411", "431111", "111224",  # 56-63
    "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",  # 64-71
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",  # 72-79
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112",  # 80-87
    "421211", "212141", "214121", "412121", "111143", "111341", "131141", "114113",  # 88-95
    "114311", "411113", "411311", "113141", "114131", "311141", "411131", "211412",  # 96-103
    "211214", "211232", "2331112",  # 104-106
)
# fmt: on


class BarcodeError(ValueError):
    """Text that Code 128 subsets B and C cannot carry."""


def encode(text: str) -> list[int]:
    """The symbol values of `text`: start, data (with code switches), check, stop."""
    _check_encodable(text)
    symbols = _shortest(text)
    check = (symbols[0] + sum(n * value for n, value in enumerate(symbols[1:], start=1))) % 103
    return [*symbols, check, STOP]


def bars(text: str) -> str:
    """The module pattern of `text`, "1" a bar and "0" a space, quiet zones included."""
    modules = []
    for value in encode(text):
        for n, width in enumerate(WIDTHS[value]):
            modules.append(("1" if n % 2 == 0 else "0") * int(width))
    quiet = "0" * QUIET_ZONE
    return quiet + "".join(modules) + quiet


def svg(text: str, *, height: float, module_width: float) -> str:
    """An SVG image of the barcode (black bars on white, quiet zones included), sized
    in user units: `module_width` a module, `height` the bars."""
    pattern = bars(text)
    width = len(pattern) * module_width
    rects = [
        f'<rect x="{_num(start * module_width)}" y="0" '
        f'width="{_num(length * module_width)}" height="{_num(height)}"/>'
        for start, length in _runs(pattern)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width)}" '
        f'height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}">'
        f'<rect width="{_num(width)}" height="{_num(height)}" fill="#fff"/>'
        f'<g fill="#000">{"".join(rects)}</g></svg>'
    )


def _check_encodable(text: str) -> None:
    if not text:
        raise BarcodeError("nothing to encode")
    for position, char in enumerate(text):
        if not 32 <= ord(char) <= 127:
            raise BarcodeError(f"Code 128 subset B cannot carry {char!r} (position {position + 1})")


def _shortest(text: str) -> list[int]:
    """Start and data symbols: the fewest, by trying every way through the text.

    best[subset][i] is the shortest symbol list that has encoded text[:i] and has
    `subset` in force; B encodes one character a symbol, C two digits."""
    size = len(text)
    best: dict[str, list[list[int] | None]] = {
        "B": [None] * (size + 1),
        "C": [None] * (size + 1),
    }
    best["B"][0], best["C"][0] = [START_B], [START_C]
    for i in range(size + 1):
        in_b, in_c = best["B"][i], best["C"][i]
        # A switch and back is never shorter, so both switches start from the values
        # as they were before either.
        _offer(best["B"], i, in_c, CODE_B)
        _offer(best["C"], i, in_b, CODE_C)
        if i < size and best["B"][i] is not None:
            _offer(best["B"], i + 1, best["B"][i], ord(text[i]) - 32)
        pair = text[i : i + 2]
        if len(pair) == 2 and pair.isdigit() and best["C"][i] is not None:
            _offer(best["C"], i + 2, best["C"][i], int(pair))
    in_b, in_c = best["B"][size], best["C"][size]
    if in_b is None or (in_c is not None and len(in_c) < len(in_b)):
        return in_c  # type: ignore[return-value]
    return in_b


def _offer(row: list[list[int] | None], i: int, path: list[int] | None, value: int) -> None:
    if path is None:
        return
    current = row[i]
    if current is None or len(path) + 1 < len(current):
        row[i] = [*path, value]


def _runs(pattern: str) -> list[tuple[int, int]]:
    """Where each bar starts and how many modules wide it is."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, module in enumerate(pattern + "0"):
        if module == "1" and start is None:
            start = i
        elif module == "0" and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"
