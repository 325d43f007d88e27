"""CSV that opens cleanly in a spreadsheet: UTF-8 with BOM, and no cell a spreadsheet runs as a formula."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime

from app import times

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def cell(value) -> str | int:
    """A value as a CSV cell: ISO 8601 with its offset for times, yes/no for flags, text with a leading
    apostrophe when it would otherwise start a formula (= + - @ tab CR)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return iso(value)
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def iso(moment: datetime | None, where=None) -> str | None:
    """ISO 8601 with an offset, in the zone of `where` (a Branch or zone name; default the moment's own
    zone, UTC for a stored one, written Z)."""
    if moment is None:
        return None
    return times.iso(moment, where if where is not None else (moment.tzinfo or UTC))


def to_csv(header: list[str], rows: Iterable[Iterable]) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")
