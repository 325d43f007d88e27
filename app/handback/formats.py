"""The export batch in the format a spreadsheet opens as columns: the ERP's CSV (comma, decimal point),
CSV with semicolons and decimal commas (what Excel expects in a Nordic or continental locale) or an
Excel workbook (openpyxl).

Every format is made from the batch's stored CSV, the file its checksum is of: the same rows and the
same cells, so a format changes how the file is written, never what it says.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from app.handback.csvsafe import BOM, FORMULA_START
from app.locales import N_


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    suffix: str  # of the file name, after the batch's own name
    content_type: str


# labels are marked N_ and said in the reader's language where they are shown (app/web/dashboard/handback_routes)
ERP_CSV = Format("csv", N_("CSV with commas and decimal points (English Excel, the ERP's import)"), ".csv",
                 "text/csv; charset=utf-8")
SEMICOLON_CSV = Format("csv_semicolon", N_("CSV with semicolons and decimal commas (Norwegian, Swedish, Danish, "
                                            "Finnish Excel)"), "-semicolon.csv", "text/csv; charset=utf-8")
XLSX = Format("xlsx", N_("Excel workbook (.xlsx)"), ".xlsx",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
FORMATS = {f.key: f for f in (ERP_CSV, SEMICOLON_CSV, XLSX)}

# languages whose locale writes 1,5 and so makes Excel split CSV on ";" (the list separator there)
DECIMAL_COMMA = {"no", "nb", "nn", "sv", "da", "fi", "is", "de", "nl", "fr", "es", "it", "pt", "pl", "et",
                 "lv", "lt", "cs", "sk", "sl", "hr", "hu", "ro", "bg", "ru", "uk", "tr", "el"}
NUMBER_COLUMNS = frozenset({"line", "quantity"})  # of export.HEADER: written as numbers in a workbook
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
_INTEGER = re.compile(r"^-?\d{1,15}$")


def for_language(language: str | None) -> Format:
    """The CSV a branch of this language opens in columns."""
    return SEMICOLON_CSV if (language or "").split("-")[0].lower() in DECIMAL_COMMA else ERP_CSV


def rows(stored_csv: bytes) -> list[list[str]]:
    """The stored CSV's header and rows, as its cells were written."""
    return list(csv.reader(io.StringIO(stored_csv.decode("utf-8").removeprefix(BOM), newline="")))


def render(stored_csv: bytes, fmt: Format, *, numbers=NUMBER_COLUMNS, created: datetime | None = None) -> bytes:
    """The stored CSV written as `fmt`. In the columns named in `numbers`, a decimal is written with a
    comma in the semicolon CSV, and every number is a number cell in the workbook."""
    if fmt is ERP_CSV:
        return stored_csv
    table = rows(stored_csv)
    if not table:
        return stored_csv
    header, body = table[0], table[1:]
    numeric = [name in numbers for name in header]
    if fmt is SEMICOLON_CSV:
        return _semicolon(header, body, numeric)
    if fmt is XLSX:
        return _xlsx(header, body, numeric, created)
    raise ValueError(f"{fmt.key!r} is not an export format")


def _semicolon(header: list[str], body: list[list[str]], numeric: list[bool]) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in body:
        writer.writerow([value.replace(".", ",") if is_number and _DECIMAL.match(value) else value
                         for value, is_number in zip(row, numeric)])
    return buffer.getvalue().encode("utf-8")


def _xlsx(header: list[str], body: list[list[str]], numeric: list[bool], created: datetime | None) -> bytes:
    workbook = Workbook(write_only=True)
    if created is not None:  # the same batch gives the same workbook
        stamp = created.replace(tzinfo=None)
        workbook.properties.created = workbook.properties.modified = stamp
    sheet = workbook.create_sheet("Orders")
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, name, font=bold) for name in header])
    for row in body:
        sheet.append([_number_cell(sheet, value) if is_number else _text_cell(sheet, value)
                      for value, is_number in zip(row, numeric)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _number_cell(sheet, value: str):
    if _INTEGER.match(value):
        return WriteOnlyCell(sheet, value=int(value))
    if _DECIMAL.match(value):
        return WriteOnlyCell(sheet, value=float(value))
    return _text_cell(sheet, value)


def _text_cell(sheet, value: str, font: Font | None = None):
    """A text cell, never a formula: a workbook cell typed as text is not run, so the CSV's guarding
    apostrophe (app.handback.csvsafe) is taken off; characters a workbook cannot hold are dropped."""
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_START:
        value = value[1:]
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) or None)
    if cell.value is not None:
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell
