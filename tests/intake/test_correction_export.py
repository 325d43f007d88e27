"""`flask --app app intake corrections export DIR`: corrected messages as a labelled folder that the
calibration's file finder and the samples' scorer read like the shared samples."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.intake import pipeline
from app.reading.calibrate import labelled_files
from app.reading.parse import channel_for, parse_bytes
from app.reading.scoring import compare
from app.intake.store import store_raw
from app.models import InboundMessage, Mailbox, Order
from app.orders import service
from app.orders.service import LineInput, OrderInput
from tests.intake.mail import email

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
CLEAR = "Hei\n\nVi trenger 2 stk bremseklosser GDB1956 til EK12345. Vi henter.\n\nMvh Ola"


@pytest.fixture
def branch(make):
    return make.branch("OSL", name="Oslo sentrum")


@pytest.fixture
def clerk(make, branch):
    return make.staff(branch, login="kari")


@pytest.fixture
def ola(make, branch):
    return make.workshop(branch, name="Ola Verksted AS", emails=["post@ola.test"])


@pytest.fixture
def send(db, branch):
    box = Mailbox(branch_id=branch.id, name="osl", kind="drop", path="/nonexistent")
    db.session.add(box)
    db.session.commit()
    box_id, branch_id = box.id, branch.id

    def _send(body: str, sender: str = "Ola <post@ola.test>", now: datetime = NOW) -> Order:
        message_id, _ = store_raw(email(body=body, sender=sender), channel="email", branch_id=branch_id,
                                  mailbox_id=box_id, now=now)
        assert pipeline.process_one(message_id, now=now) == "order"
        db.session.expire_all()
        return db.session.get(Order, db.session.get(InboundMessage, message_id).order_id)
    return _send


def _save(db, order: Order, clerk, lines=None, **fields) -> None:
    """A clerk's Save & accept in review (the review form always sends a fulfilment)."""
    values = {"urgent": order.urgent, "fulfilment": order.fulfilment or "delivery", "plate": order.plate,
              "vin": order.vin, "customer_reference": order.customer_reference,
              "contact_name": order.contact_name, "notes": order.notes, **fields}
    lines = lines or [(ln.part_number, ln.description, ln.quantity) for ln in order.lines]
    if order.status != "needs_review":
        order.status = "needs_review"  # the parse was clear; the clerk looks anyway
    service.update_order(order, OrderInput(channel=order.channel, lines=[LineInput(*ln) for ln in lines],
                                           **values), by=clerk, now=NOW)
    db.session.flush()
    service.accept_review(order, clerk, now=NOW)
    db.session.commit()


def _export(runner, tmp_path) -> tuple[Path, str]:
    out = tmp_path / "regression"
    result = runner.invoke(args=["intake", "corrections", "export", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def _scores(folder: Path) -> dict[str, list[str]]:
    """Every exported message parsed and scored against its exported gold, as the calibration does."""
    out = {}
    for message, gold in labelled_files([folder]):
        got = parse_bytes(message.read_bytes(), channel_for(message)).to_dict()
        out[message.name] = compare(json.loads(gold.read_text(encoding="utf-8")), got)
    return out


def test_the_export_is_a_labelled_folder_the_scorer_reads(db, runner, tmp_path, ola, clerk, send):
    wrong = send(CLEAR)                       # the parser reads 2; the workshop meant 4
    _save(db, wrong, clerk, [("GDB1956", "bremseklosser", 4)])
    right = send(CLEAR.replace("GDB1956", "DF6266"), now=NOW + timedelta(minutes=1))
    _save(db, right, clerk, contact_name="Ola Nordmann")  # read right; only the contact changed
    folder, output = _export(runner, tmp_path)
    wrong_stem, right_stem = f"{wrong.inbound_message_id:03d}", f"{right.inbound_message_id:03d}"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{wrong_stem}.eml", f"{wrong_stem}.gold.json", f"{right_stem}.eml", f"{right_stem}.gold.json"])
    assert "Wrote 2 corrected message(s)" in output
    raw = db.session.get(InboundMessage, wrong.inbound_message_id).raw
    assert (folder / f"{wrong_stem}.eml").read_bytes() == raw

    gold = json.loads((folder / f"{wrong_stem}.gold.json").read_text(encoding="utf-8"))
    sample = json.loads((SAMPLES / "S01.gold.json").read_text(encoding="utf-8"))
    assert list(gold) == list(sample)  # the samples' label format, key for key
    assert gold == {"channel": "email", "language": "no", "kind": "order", "must_review": False,
                    "lines": [{"part_number": "GDB1956", "description": "bremseklosser", "quantity": 4}],
                    "plate": "EK12345", "vin": None, "urgent": False, "fulfilment": "pickup",
                    "customer_reference": None, "order_ref": None,
                    "notes": f"exported correction of {wrong.reference}"}

    scores = _scores(folder)
    assert len(scores[f"{wrong_stem}.eml"]) == 1 and scores[f"{wrong_stem}.eml"][0].startswith("lines ")
    assert scores[f"{right_stem}.eml"] == []


def test_an_open_fulfilment_is_not_corrected_by_the_forms_default(db, runner, tmp_path, ola, clerk, send):
    order = send("Hei\n\nVi trenger 2 stk bremseklosser GDB1956 til EK12345.\n\nMvh Ola")
    assert order.fulfilment is None
    _save(db, order, clerk, contact_name="Ola")            # saved with the form's "delivery"
    second = send("Hei\n\nVi trenger 1 stk GDB1956 til EK12345.\n\nMvh Ola", now=NOW + timedelta(minutes=1))
    _save(db, second, clerk, fulfilment="pickup")          # a real change
    folder, _ = _export(runner, tmp_path)
    first = json.loads((folder / f"{order.inbound_message_id:03d}.gold.json").read_text(encoding="utf-8"))
    picked = json.loads((folder / f"{second.inbound_message_id:03d}.gold.json").read_text(encoding="utf-8"))
    assert first["fulfilment"] is None and picked["fulfilment"] == "pickup"


def test_same_as_last_time_is_exported_as_must_review(db, runner, tmp_path, ola, clerk, send, make, branch):
    make.order(branch, workshop_id=ola.id, lines=(("GDB1956", "bremseklosser", 2),), now=NOW - timedelta(days=1))
    order = send("Hei\n\nSamme som sist til AB12345, takk.\n\nMvh Ola")
    _save(db, order, clerk, [("GDB1956", "bremseklosser", 4)])
    folder, _ = _export(runner, tmp_path)
    gold = json.loads((folder / f"{order.inbound_message_id:03d}.gold.json").read_text(encoding="utf-8"))
    assert gold["must_review"] is True and gold["lines"][0]["quantity"] == 4
    assert _scores(folder) == {f"{order.inbound_message_id:03d}.eml": []}


def test_an_sms_is_exported_in_the_samples_form(db, runner, tmp_path, ola, clerk, branch):
    body = "Hei, trenger 2 stk GDB1956 til EK12345. Mvh Ola"
    message = InboundMessage(channel="sms", dedup_key="sms:SM1", raw=f"From: +4791234567\nTo: +4721000000\n\n{body}"
                             .encode(), sender="+4791234567", branch_id=branch.id, status="processed", kind="order",
                             parsed=parse_bytes(body.encode(), "sms", sms_from="+4791234567").to_dict())
    db.session.add(message)
    db.session.commit()
    order = service.create_order(branch.id, OrderInput(channel="sms", lines=[LineInput("GDB1956", None, 2)],
                                                       review_reasons=["Unknown number"],
                                                       inbound_message_id=message.id), by=None, now=NOW)
    db.session.commit()
    _save(db, order, clerk, [("GDB1956", None, 3)])
    folder, _ = _export(runner, tmp_path)
    exported = folder / f"{message.id:03d}.sms.txt"
    assert exported.read_text(encoding="utf-8") == f"From: +4791234567\n\n{body}\n"
    assert parse_bytes(exported.read_bytes(), "sms").from_addr == "+4791234567"
    gold = json.loads((folder / f"{message.id:03d}.gold.json").read_text(encoding="utf-8"))
    assert gold["channel"] == "sms" and gold["lines"] == [{"part_number": "GDB1956", "description": None,
                                                           "quantity": 3}]
    assert any(d.startswith("lines ") for d in _scores(folder)[exported.name])  # the clerk's 3, not the 2 read


def test_a_second_export_replaces_the_first_and_a_later_correction_wins(db, runner, tmp_path, ola, clerk, send):
    order = send(CLEAR)
    _save(db, order, clerk, [("GDB1956", "bremseklosser", 4)])
    _export(runner, tmp_path)
    order.status = "needs_review"  # corrected again (an edit after the review)
    _save(db, order, clerk, [("GDB1956", "bremseklosser", 6)])
    folder, _ = _export(runner, tmp_path)
    assert len(list(folder.iterdir())) == 2
    gold = json.loads((folder / f"{order.inbound_message_id:03d}.gold.json").read_text(encoding="utf-8"))
    assert gold["lines"][0]["quantity"] == 6


def test_without_corrections_or_with_a_file_in_the_way(db, runner, tmp_path):
    result = runner.invoke(args=["intake", "corrections", "export", str(tmp_path / "out")])
    assert result.exit_code == 0 and "No corrections are stored yet" in result.output
    (tmp_path / "taken").write_text("a file, not a folder")
    result = runner.invoke(args=["intake", "corrections", "export", str(tmp_path / "taken")])
    assert result.exit_code != 0 and "is a file" in result.output
