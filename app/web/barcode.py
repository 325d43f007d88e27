"""Code 128 barcodes as inline SVG, drawn on the server, for the counter's scanner.

python-barcode encodes (code sets, shifts, the checksum); this module only draws its modules as
rectangles with presentation attributes, since the page's Content-Security-Policy forbids inline styles
(python-barcode's own SVG writer uses them) and an inline SVG needs no image request.
"""
from __future__ import annotations

from barcode import Code128
from barcode.errors import IllegalCharacterError
from markupsafe import Markup, escape

QUIET = 10  # modules of white either side: the scanner needs a quiet zone of at least 10


def modules(text: str) -> str:
    """The barcode of `text` as a string of '1' (bar) and '0' (space) modules, stop pattern included.
    Raises ValueError for text Code 128 cannot hold (only ASCII can)."""
    try:
        return Code128(text).build()[0]
    except IllegalCharacterError as exc:
        raise ValueError(f"{text!r} cannot be written as Code 128: {exc}") from None


def bars(pattern: str) -> list[tuple[int, int]]:
    """(start, width) of each bar, in modules, for a '1'/'0' pattern."""
    found: list[tuple[int, int]] = []
    start = None
    for i, bit in enumerate(pattern + "0"):
        if bit == "1" and start is None:
            start = i
        elif bit != "1" and start is not None:
            found.append((start, i - start))
            start = None
    return found


def svg(text: str, *, height: int = 40, module_mm: float = 0.33) -> Markup:
    """An inline <svg> of `text` in Code 128, `module_mm` wide per module on paper (0.33 mm is what
    counter scanners read best), with a quiet zone each side; `height` in modules."""
    pattern = modules(text)
    width = len(pattern) + 2 * QUIET
    rects = "".join(f'<rect x="{QUIET + x}" y="0" width="{w}" height="{height}"/>' for x, w in bars(pattern))
    label = escape(text)
    return Markup(
        f'<svg class="barcode" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Barcode {label}" '
        f'viewBox="0 0 {width} {height}" width="{width * module_mm:.2f}mm" height="{height * module_mm:.2f}mm" '
        f'preserveAspectRatio="none" shape-rendering="crispEdges" data-code="{label}">'
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/><g fill="#000">{rects}</g></svg>')
