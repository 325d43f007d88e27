"""The export batch as a spreadsheet opens it: CSV with semicolons and decimal commas for a Nordic
locale, or an Excel workbook; the choice is made on the export page and kept per manager."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.handback import export, formats
from app.handback.csvsafe import BOM, to_csv
from app.models import ExportBatch, Staff
from tests.conftest import csrf_token, login

LINES = (("=HYPERLINK(\"http://x\")", "Klosser; foran \"store\"", 2), ("13.0460-7200.2", "Skiver\x0b bak", 12))


def _batch(make, now, language="no"):
    branch = make.branch("OSL", language=language)
    workshop = make.workshop(branch, name="Ola Verksted AS", number="40001")
    make.order(branch, now=now, lines=LINES, workshop_id=workshop.id, plate="AB12345")
    make.order(branch, now=now, lines=(), plate="EL98765")
    return branch, export.create_batch(by=None, now=now)


def _semicolon_rows(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=";"))


def test_the_semicolon_csv_has_the_same_cells_as_the_erp_csv(db, make, now):
    _branch, batch = _batch(make, now)
    data = formats.render(batch.csv, formats.SEMICOLON_CSV)
    assert _semicolon_rows(data) == formats.rows(batch.csv)
    assert len(formats.rows(batch.csv)) == 4 and formats.rows(batch.csv)[0] == export.HEADER
    table = _semicolon_rows(data)
    parts = [row[export.HEADER.index("part_number")] for row in table[1:]]
    assert parts == ["'=HYPERLINK(\"http://x\")", "13.0460-7200.2", ""]  # still guarded; a part number is text
    assert table[1][export.HEADER.index("description")] == 'Klosser; foran "store"'
    assert b";" in data.splitlines()[0] and b"," not in data.splitlines()[0]
    assert formats.render(batch.csv, formats.ERP_CSV) == batch.csv


def test_decimals_in_number_columns_get_a_comma_and_nothing_else_does():
    stored = to_csv(["part_number", "quantity", "price"], [["13.0460", 2, "12.50"], ["1.5", 1, 0.75]])
    rows = _semicolon_rows(formats.render(stored, formats.SEMICOLON_CSV, numbers={"quantity", "price"}))
    assert rows == [["part_number", "quantity", "price"], ["13.0460", "2", "12,50"], ["1.5", "1", "0,75"]]
    book = load_workbook(io.BytesIO(formats.render(stored, formats.XLSX, numbers={"quantity", "price"})))
    assert [[c.value for c in r] for r in book["Orders"].iter_rows(min_row=2)] == [["13.0460", 2, 12.5],
                                                                                 ["1.5", 1, 0.75]]


def test_the_workbook_has_the_rows_numbers_as_numbers_and_no_formula(db, make, now):
    _branch, batch = _batch(make, now)
    data = formats.render(batch.csv, formats.XLSX, created=batch.created_at)
    assert data == formats.render(batch.csv, formats.XLSX, created=batch.created_at)  # the same file again
    sheet = load_workbook(io.BytesIO(data))["Orders"]
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0] == export.HEADER and len(table) == 4 and sheet["A1"].font.bold
    col = {name: i for i, name in enumerate(export.HEADER)}
    first, second = table[1], table[2]
    assert first[col["reference"]] == "OSL-000001" and first[col["workshop"]] == "Ola Verksted AS"
    assert (first[col["line"]], first[col["quantity"]], second[col["quantity"]]) == (1, 2, 12)
    formula = sheet.cell(row=2, column=col["part_number"] + 1)
    assert formula.value == "=HYPERLINK(\"http://x\")" and formula.data_type == "s"  # text, never run
    assert second[col["description"]] == "Skiver bak"  # the vertical tab a workbook cannot hold is dropped
    assert table[3][col["line"]] is None and table[3][col["plate"]] == "EL98765"  # the order without lines
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("language, expected", [("no", "csv_semicolon"), ("sv", "csv_semicolon"),
                                                ("fi", "csv_semicolon"), ("en", "csv"), (None, "csv")])
def test_the_default_follows_the_branch_language(language, expected):
    assert formats.for_language(language).key == expected


def _chosen_link(html: str) -> str:
    return html.split('class="chosen-download" href="', 1)[1].split('"', 1)[0]


def test_the_choice_on_the_export_page_is_remembered_per_manager(app, client, db, make, now):
    branch, batch = _batch(make, now)
    maria = make.staff(branch, role="manager", login="maria")
    make.staff(make.branch("LON", language="en"), role="manager", login="liz")
    login(client, "maria")
    page = client.get("/manager/export").get_data(as_text=True)
    assert _chosen_link(page) == f"/manager/export/{batch.id}.csv?format=csv_semicolon"  # Norwegian branch
    assert '<option selected value="csv_semicolon">' in page
    assert client.post("/manager/export/format", data={"export_format": "xlsx"}).status_code == 400  # no CSRF
    token = csrf_token(client, "/manager/export")
    client.post("/manager/export/format", data={"export_format": "nonsense", "csrf_token": token})
    db.session.expire_all()
    assert maria.export_format is None
    response = client.post("/manager/export/format", data={"export_format": "xlsx", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Staff, maria.id).export_format == "xlsx"

    elsewhere = app.test_client()  # another device: the choice is on the staff member, not in a cookie
    login(elsewhere, "maria")
    assert _chosen_link(elsewhere.get("/manager/export").get_data(as_text=True)) == f"/manager/export/{batch.id}.xlsx"
    liz = app.test_client()
    login(liz, "liz")
    assert _chosen_link(liz.get("/manager/export").get_data(as_text=True)) == f"/manager/export/{batch.id}.csv"


def test_downloads_in_each_format(client, db, make, now):
    branch, batch = _batch(make, now)
    make.staff(branch, role="manager", login="maria")
    login(client, "maria")
    semi = client.get(f"/manager/export/{batch.id}.csv?format=csv_semicolon")
    assert semi.status_code == 200 and semi.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert _semicolon_rows(semi.data) == formats.rows(batch.csv)
    assert semi.headers["Content-Disposition"].endswith('-semicolon.csv"')
    workbook = client.get(f"/manager/export/{batch.id}.xlsx")
    assert workbook.status_code == 200 and workbook.headers["Content-Disposition"].endswith('.xlsx"')
    assert workbook.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert load_workbook(io.BytesIO(workbook.data))["Orders"].max_row == 4
    erp = client.get(f"/manager/export/{batch.id}.csv")
    assert erp.data == batch.csv and erp.headers["X-Checksum-SHA256"] == batch.checksum
    assert client.get(f"/manager/export/{batch.id}.csv?format=bogus").status_code == 404
    assert client.get(f"/manager/export/{batch.id}.csv?format=xlsx").status_code == 404
    assert db.session.scalars(select(ExportBatch)).one().id == batch.id  # downloads make no batch


def test_staff_cannot_download_or_choose(client, db, make, now):
    branch, batch = _batch(make, now)
    make.staff(branch, login="kari")
    login(client, "kari")
    assert client.get(f"/manager/export/{batch.id}.xlsx").status_code == 403
    token = csrf_token(client, "/")
    assert client.post("/manager/export/format", data={"export_format": "xlsx", "csrf_token": token}).status_code == 403
