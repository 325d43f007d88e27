"""Hand-back to the ERP: export, change two orders, export again gives exactly those two."""
from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta

from sqlalchemy import select

from app.handback import export
from app.handback.csvsafe import BOM
from app.models import ExportBatch, Order
from app.orders import service
from tests.conftest import csrf_token, login

M = timedelta(minutes=1)


def _rows(data: bytes) -> list[dict]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[len(BOM):])))


def _orders(make, now, n=4):
    osl = make.branch("OSL")
    kari = make.staff(osl, login="kari")
    shop = make.workshop(osl, number="10023", name="=HYPERLINK(\"http://evil\")")
    orders = [make.order(osl, now=now + i * M, workshop_id=shop.id, plate="AB12345",
                         lines=(("-0 986 494 123", "Bremseklosser", 2), ("@SUM(A1)", "+filter", 1)))
              for i in range(n)]
    return osl, kari, orders


def test_export_change_two_export_again(db, make, now):
    osl, kari, orders = _orders(make, now)
    first = export.create_batch(by=None, now=now + 10 * M)
    db.session.commit()
    assert first.order_count == 4 and first.line_count == 8
    assert first.checksum == hashlib.sha256(first.csv).hexdigest()
    rows = _rows(first.csv)
    assert len(rows) == 8 and {r["reference"] for r in rows} == {o.reference for o in orders}
    row = rows[0]
    assert row["workshop"].startswith("'=HYPERLINK")  # formula neutralised
    assert row["part_number"] == "'-0 986 494 123" and rows[1]["part_number"] == "'@SUM(A1)"
    assert rows[1]["description"] == "'+filter"
    assert row["quantity"] == "2" and row["customer_number"] == "10023" and row["branch"] == "OSL"
    assert row["created_at"] == "2026-11-23T10:00:00+01:00"  # OSL is in Europe/Oslo and row["urgent"] == "no"
    records = [json.loads(line) for line in first.jsonl.decode("utf-8").splitlines()]
    assert len(records) == 4 and len(records[0]["lines"]) == 2
    assert records[0]["lines"][0]["part_number"] == "-0 986 494 123"  # JSON keeps the value as it is

    # exported_at is set without touching updated_at
    for order in orders:
        db.session.refresh(order)
        assert order.exported_at == now + 10 * M and order.updated_at <= order.created_at + M

    assert export.create_batch(by=None, now=now + 11 * M) is None  # nothing new or changed

    service.claim(orders[1], kari, now=now + 20 * M)
    service.cancel(orders[3], kari, now=now + 21 * M, reason="Duplicate")
    db.session.commit()
    second = export.create_batch(by=None, now=now + 30 * M)
    db.session.commit()
    assert second.order_count == 2
    refs = {r["reference"]: r for r in _rows(second.csv)}
    assert set(refs) == {orders[1].reference, orders[3].reference}
    assert refs[orders[1].reference]["status"] == "claimed"
    assert refs[orders[1].reference]["claimed_at"] == "2026-11-23T10:20:00+01:00"
    assert refs[orders[3].reference]["status"] == "cancelled"
    assert export.pending_count() == 0
    assert [b.id for b in export.batches()] == [second.id, first.id]


def test_an_order_changed_after_it_was_read_is_exported_again(db, make, now):
    """Compare-and-set: marking only the version that was read."""
    osl, kari, orders = _orders(make, now, n=1)
    order = orders[0]
    pending = db.session.execute(select(Order.id, Order.updated_at)).all()
    service.claim(order, kari, now=now + 5 * M)  # changes after the read, before the mark
    db.session.flush()
    from sqlalchemy import update

    db.session.execute(update(Order).where(Order.id == pending[0].id, Order.updated_at == pending[0].updated_at)
                       .values(exported_at=now + 6 * M))
    db.session.commit()
    assert export.pending_count() == 1


def test_order_without_lines_still_has_a_row(db, make, now):
    osl = make.branch("OSL")
    make.order(osl, now=now, lines=(), notes="ring me")
    batch = export.create_batch(by=None, now=now + M)
    rows = _rows(batch.csv)
    assert len(rows) == 1 and rows[0]["part_number"] == "" and batch.line_count == 0


def test_cli_export_batches_and_again(runner, db, make, now, tmp_path):
    _orders(make, now, n=2)
    out = tmp_path / "out"
    result = runner.invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 order(s), 4 line(s)" in result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 2 and files[0].endswith(".csv") and files[1].endswith(".jsonl")
    batch = db.session.scalars(select(ExportBatch)).one()
    assert (out / files[0]).read_bytes() == batch.csv

    result = runner.invoke(args=["export", "--out", str(out)])
    assert result.exit_code == 0 and "Nothing to export" in result.output

    result = runner.invoke(args=["export", "batches"])
    assert result.exit_code == 0 and batch.checksum in result.output

    again = tmp_path / "again"
    result = runner.invoke(args=["export", "again", str(batch.id), "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert (again / files[0]).read_bytes() == batch.csv
    result = runner.invoke(args=["export", "again", "999"])
    assert result.exit_code != 0 and "no export batch 999" in result.output


def test_web_export_and_download(client, db, make, now):
    _orders(make, now, n=3)
    make.staff(None, role="manager", login="boss")
    login(client, "boss")
    page = client.get("/manager/export").get_data(as_text=True)
    assert "3 order(s) are new or changed" in page
    token = csrf_token(client, "/manager/export")
    assert client.post("/manager/export", data={}).status_code == 400  # no CSRF token, no export
    response = client.post("/manager/export", data={"csrf_token": token})
    assert response.status_code == 302
    batch = db.session.scalars(select(ExportBatch)).one()
    assert batch.order_count == 3
    download = client.get(f"/manager/export/{batch.id}.csv")
    assert download.status_code == 200 and download.data == batch.csv
    assert download.headers["X-Checksum-SHA256"] == batch.checksum
    assert "attachment" in download.headers["Content-Disposition"]
    jsonl = client.get(f"/manager/export/{batch.id}.jsonl")
    assert jsonl.status_code == 200 and len(jsonl.data.splitlines()) == 3
    assert client.get("/manager/export/999.csv").status_code == 404
    assert client.get(f"/manager/export/{batch.id}.exe").status_code == 404
