"""Reading the CSV files an ERP or a supplier exports: any of the usual encodings and separators."""
from __future__ import annotations

import csv
import io


def decode(raw: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM), else Windows-1252 as spreadsheets save it."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def rows(text: str):
    """(header, reader) for CSV text separated by commas, semicolons or tabs; header None when empty.
    The reader's line_num gives the line of each row for error reports."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    return next(reader, None), reader


def columns(header: list[str], aliases: dict[str, set[str]]) -> dict[str, int]:
    """Column index of each canonical name, found by any of its aliases (case and BOM ignored)."""
    cols: dict[str, int] = {}
    for i, name in enumerate(header):
        key = name.strip().lower().lstrip("\ufeff")
        for canonical, names in aliases.items():
            if key in names and canonical not in cols:
                cols[canonical] = i
    return cols
