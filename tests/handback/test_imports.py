"""Catalogue import (EAN checked, upsert by number + brand, idempotent) and the web import with preview."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from app.handback.catalogue import import_catalogue
from app.handback.import_cli import cli as import_catalogue_cli
from app.models import AuditEvent, CatalogueItem, Workshop
from app.orders.unit_of_work import UnitOfWork
from tests.conftest import csrf_token, login

CATALOGUE = (
    "Number;Brand;Description;EAN\n"
    "0 986 494 123;Bosch;Bremseklosser foran;4006381333931\n"
    "0986494123;ATE;Bremseklosser (ATE);\n"
    "OC 90;Mahle;Oljefilter;4009026000021\n"
    ";Bosch;no number;\n"
    "W 712/75;Mann;Oljefilter;4006381333932\n"
    "0-986-494-123;bosch;same part, same brand;\n"
)


def _items(db):
    return {(i.number_norm, i.brand): i for i in db.session.scalars(select(CatalogueItem))}


def test_catalogue_import_reports_bad_rows_and_is_idempotent(db, now):
    report = import_catalogue(CATALOGUE, now=now)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    errors = dict(report.errors)
    assert errors[5] == "The part number is missing."
    assert errors[6].startswith("'4006381333932' is not a valid EAN")
    assert errors[7] == "Part 0-986-494-123 bosch is already on line 2."
    items = _items(db)
    assert set(items) == {("0986494123", "Bosch"), ("0986494123", "ATE"), ("OC90", "Mahle")}
    assert items[("0986494123", "Bosch")].ean == "4006381333931"

    again = import_catalogue(CATALOGUE, now=now)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)

    changed = import_catalogue("number,brand,description,ean\nOC90,MAHLE,Oljefilter OC 90,4009026000021\n", now=now)
    db.session.commit()
    assert (changed.created, changed.updated) == (0, 1)
    assert "description 'Oljefilter' → 'Oljefilter OC 90'" in changed.changes[0]
    assert db.session.scalar(select(func.count()).select_from(CatalogueItem)) == 3


def test_catalogue_dry_run_writes_nothing(db, now):
    with UnitOfWork():  # a preview is a unit of work left without a commit
        report = import_catalogue(CATALOGUE, now=now, dry_run=True)
    assert report.created == 3 and db.session.scalar(select(func.count()).select_from(CatalogueItem)) == 0


def test_catalogue_without_number_column(db, now):
    report = import_catalogue("brand,ean\nBosch,\n", now=now)
    assert report.errors == [(1, "Missing column: number. Found: brand, ean.")]


def test_cli_import_catalogue(runner, db, tmp_path):
    path = tmp_path / "parts.csv"
    path.write_bytes(CATALOGUE.encode("utf-8-sig"))
    result = runner.invoke(import_catalogue_cli, [str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "3 created, 0 updated, 0 unchanged would be imported; 3 row(s)" in result.output
    assert db.session.scalar(select(func.count()).select_from(CatalogueItem)) == 0
    result = runner.invoke(import_catalogue_cli, [str(path)])
    assert result.exit_code == 0 and "line 6: '4006381333932' is not a valid EAN" in result.output
    assert db.session.scalar(select(func.count()).select_from(CatalogueItem)) == 3


def _upload(client, kind, text, filename="file.csv"):
    token = csrf_token(client, "/manager/import")
    return client.post("/manager/import", data={"csrf_token": token, "kind": kind,
                                                "file": (io.BytesIO(text.encode("utf-8")), filename)},
                       content_type="multipart/form-data")


def _confirm(client, page):
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    key = re.search(r'name="key" type="hidden" value="([0-9a-f]{64})"', page).group(1)
    kind = re.search(r'name="kind" type="hidden" value="(\w+)"', page).group(1)
    return client.post("/manager/import/confirm", data={"csrf_token": token, "key": key, "kind": kind})


def test_web_workshop_import_preview_then_confirm(client, db, make, tmp_path):
    make.branch("OSL")
    make.staff(None, role="manager", login="boss")
    login(client, "boss")
    text = ("customer_number;name;emails;phones;branch\n"
            "10023;Bilverksted <AS>;post@bilverksted.example;+47 22 33 44 55;OSL\n"
            "10024;Hansen Auto;not-an-email;;OSL\n")
    preview = _upload(client, "workshops", text)
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "New workshop 10023 Bilverksted &lt;AS&gt;" in page
    assert "&#39;not-an-email&#39; is not an email address." in page or "'not-an-email' is not" in page
    assert db.session.scalar(select(func.count()).select_from(Workshop)) == 0  # preview writes nothing
    response = _confirm(client, page)
    assert response.status_code == 302
    assert db.session.scalars(select(Workshop)).one().name == "Bilverksted <AS>"
    audit = db.session.scalars(select(AuditEvent)).one()
    assert audit.action == "import_workshops" and "1 created" in audit.detail
    # the same file again changes nothing
    page = _upload(client, "workshops", text).get_data(as_text=True)
    assert "<strong>0</strong> new, <strong>0</strong> changed, 1 unchanged" in page


def test_web_catalogue_import_and_guards(client, db, make):
    make.staff(None, role="manager", login="boss")
    login(client, "boss")
    page = _upload(client, "catalogue", CATALOGUE).get_data(as_text=True)
    assert "<strong>3</strong> new" in page and "is not a valid EAN" in page
    assert _confirm(client, page).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CatalogueItem)) == 3
    # confirming twice: the upload is gone
    response = _confirm(client, page)
    assert response.status_code == 302 and db.session.scalar(select(func.count()).select_from(CatalogueItem)) == 3
    token = csrf_token(client, "/manager/import")
    bad = client.post("/manager/import/confirm", data={"csrf_token": token, "key": "../../etc/passwd", "kind": "catalogue"})
    assert bad.status_code == 400
    assert client.post("/manager/import", data={"csrf_token": token, "kind": "catalogue"}).status_code == 400
