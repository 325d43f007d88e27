"""CSV/XLSX reading limits: zip bombs refused, leading zeros kept or reported."""
from __future__ import annotations

import io
import zipfile

import openpyxl

from app.reading.attachments import MAX_ATTACHMENT_BYTES, Attachment, read_attachment
from app.reading.extract.lines import items_from_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows, number_format=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if number_format:
        for cell in ws["A"]:
            cell.number_format = number_format
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _read(data: bytes, name="list.xlsx", ctype=XLSX) -> Attachment:
    return read_attachment(Attachment(name, ctype, len(data), data))


def test_zip_bomb_is_refused_before_opening():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * 60_000_000)
    att = _read(buf.getvalue())
    assert not att.parsed and "zip bomb" in att.note


def test_oversized_attachment_is_refused_with_a_note():
    att = Attachment("big.csv", "text/csv", MAX_ATTACHMENT_BYTES + 1, b"x")
    assert not read_attachment(att).parsed and "limit" in att.note


def test_number_cell_in_part_column_is_flagged_unless_its_format_keeps_the_zeros():
    att = _read(_xlsx([["Varenr", "Tekst", "Antall"], [986494123, "Bremseklosser", 2]]))
    items = items_from_rows(att.rows, att.filename, frozenset(att.numeric_cells))
    assert items[0].part_number == "986494123" and items[0].numeric_cell
    att = _read(_xlsx([["Varenr", "Tekst", "Antall"], [986494123, "Bremseklosser", 2]], number_format="0000000000"))
    items = items_from_rows(att.rows, att.filename, frozenset(att.numeric_cells))
    assert items[0].part_number == "0986494123" and not items[0].numeric_cell


def test_csv_with_title_and_total_rows():
    data = "Bestilling Asker;;\nVarenummer;Tekst;Ant\nHU 6013 z;Oljefilter;4\nSum;;4\n".encode("cp1252")
    att = _read(data, "l.csv", "text/csv")
    items = items_from_rows(att.rows, att.filename)
    assert [(i.part_number, i.quantity.value) for i in items] == [("HU 6013 z", 4)]


def test_broken_xlsx_is_a_note_not_a_crash():
    att = _read(b"PK\x03\x04 not really a zip")
    assert not att.parsed and att.note.startswith("Not read")


def test_photo_is_kept_but_not_parsed():
    att = _read(b"\xff\xd8\xff", "IMG_1.jpg", "image/jpeg")
    assert not att.parsed and att.to_dict()["size"] == 3
