"""The manager's downloads say what they are exactly once: one Content-Type, one charset."""
from __future__ import annotations

from sqlalchemy import select

from app.models import ExportBatch

from . import login, token


def test_export_and_report_downloads_name_their_charset_once(client, db, make, now):
    branch = make.branch("OSL")
    make.order(branch, now=now)
    make.staff(branch, role="manager", login="boss")
    login(client, "boss")
    assert client.post("/manager/export", data={"csrf_token": token(client, "/manager/export")}).status_code == 302
    batch = db.session.scalars(select(ExportBatch)).one()
    expected = {f"/manager/export/{batch.id}.csv": "text/csv; charset=utf-8",
                f"/manager/export/{batch.id}.jsonl": "application/x-ndjson; charset=utf-8",
                "/manager/report.csv": "text/csv; charset=utf-8"}
    for path, content_type in expected.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.getlist("Content-Type") == [content_type], path
