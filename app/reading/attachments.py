"""Attachments: CSV and XLSX order lists are read into rows; anything else is only described.

Guarantees: never raises; refuses oversized files and zip bombs before opening them, with a note a person
can act on; keeps part numbers as text and reports number-typed part cells that may have lost leading zeros.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field

from app.reading.charset import decode_bytes

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 40 * 1024 * 1024
MAX_ZIP_RATIO = 150
MAX_ZIP_MEMBERS = 500
MAX_ROWS = 500
MAX_COLUMNS = 40

XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
CSV_TYPES = ("text/csv", "text/comma-separated-values", "application/csv", "text/x-csv")


@dataclass
class Attachment:
    filename: str
    content_type: str
    size: int
    data: bytes = field(default=b"", repr=False)
    inline: bool = False
    parsed: bool = False
    note: str = ""
    rows: list[list[str]] = field(default_factory=list, repr=False)
    numeric_cells: set[tuple[int, int]] = field(default_factory=set, repr=False)

    @property
    def kind(self) -> str:
        name = self.filename.lower()
        if name.endswith(".xlsx") or self.content_type in XLSX_TYPES:
            return "xlsx"
        if name.endswith((".csv", ".tsv")) or self.content_type in CSV_TYPES:
            return "csv"
        if self.content_type.startswith("image/") or name.endswith((".heic", ".jpg", ".jpeg", ".png")):
            return "image"
        if name.endswith(".pdf") or self.content_type == "application/pdf":
            return "pdf"
        return "other"

    def to_dict(self) -> dict:
        return {"filename": self.filename, "content_type": self.content_type, "size": self.size,
                "parsed": self.parsed, "note": self.note}


def read_attachment(att: Attachment) -> Attachment:
    """Fill `rows` (cells as text) for CSV/XLSX; set `parsed` and `note`. Returns the same object."""
    kind = att.kind
    if kind not in ("csv", "xlsx"):
        att.note = f"Not read: {kind} attachments are kept but not parsed."
        return att
    if att.size > MAX_ATTACHMENT_BYTES:
        att.note = f"Not read: {att.size} bytes is over the {MAX_ATTACHMENT_BYTES} byte limit for order lists."
        return att
    try:
        if kind == "csv":
            _read_csv(att)
        else:
            _read_xlsx(att)
    except Exception as exc:  # a broken file is a note for a person, never a crash
        att.rows = []
        att.note = f"Not read: the {kind.upper()} file could not be opened ({type(exc).__name__})."
        return att
    if not att.note:
        att.parsed = True
        att.note = f"Read {len(att.rows)} rows."
    return att


def _read_csv(att: Attachment) -> None:
    text = decode_bytes(att.data).lstrip("\ufeff").replace("\x00", "")  # NUL would reach a PostgreSQL text column
    sample = "\n".join(text.splitlines()[:20])
    delimiter = max(";,\t|", key=sample.count) if sample else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    for i, row in enumerate(reader):
        if i >= MAX_ROWS:
            att.note = f"Read only the first {MAX_ROWS} rows of {att.filename}."
            att.parsed = True
            break
        att.rows.append([c.strip() for c in row[:MAX_COLUMNS]])


def _zip_is_safe(att: Attachment) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(att.data)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        att.note = "Not read: the XLSX file is not a valid zip archive."
        return False
    total = sum(i.file_size for i in infos)
    if len(infos) > MAX_ZIP_MEMBERS:
        att.note = f"Not read: the XLSX file holds {len(infos)} parts (limit {MAX_ZIP_MEMBERS})."
        return False
    if total > MAX_XLSX_UNCOMPRESSED:
        att.note = (f"Not read: the XLSX file unpacks to {total} bytes (limit {MAX_XLSX_UNCOMPRESSED}); "
                    "it may be a zip bomb.")
        return False
    for info in infos:
        if info.file_size > 1_000_000 and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            att.note = f"Not read: {info.filename} in the XLSX file is compressed suspiciously well (zip bomb?)."
            return False
    return True


_ZERO_FORMAT = re.compile(r"^0+$")


def _read_xlsx(att: Attachment) -> None:
    if not _zip_is_safe(att):
        return
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(att.data), read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                for row in ws.iter_rows(max_col=MAX_COLUMNS):
                    if len(att.rows) >= MAX_ROWS:
                        att.note = f"Read only the first {MAX_ROWS} rows of {att.filename}."
                        att.parsed = True
                        return
                    cells = []
                    for col, cell in enumerate(row):
                        cells.append(_cell_text(att, len(att.rows), col, cell))
                    att.rows.append(cells)
                att.rows.append([])  # sheets are separate tables
        finally:
            wb.close()


def _cell_text(att: Attachment, row: int, col: int, cell) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
        fmt = str(getattr(cell, "number_format", "") or "")
        if isinstance(value, int) and _ZERO_FORMAT.match(fmt) and len(fmt) > len(text):
            return text.zfill(len(fmt))  # the format shows the zeros, so they were never lost
        att.numeric_cells.add((row, col))
        return text
    return str(value).strip()
