"""A small demo chain: two branches, a backup supplier, staff, workshops and some orders."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from app.extensions import db
from app.models import Branch, Mailbox, Staff
from app.orders import service
from app.orders.service import LineInput, OrderInput
from app.orders.workshops import import_workshops

LOGINS = [
    ("kari", "demo-kari-1", "staff at OSL (Oslo)"),
    ("ola", "demo-ola-1", "staff at OSL (Oslo)"),
    ("sven", "demo-sven-1", "staff at GOT (Göteborg)"),
    ("maria", "demo-maria-1", "manager (whole chain)"),
    ("admin", "demo-admin-1", "administrator"),
]

WORKSHOPS_CSV = """customer_number;name;emails;phones;branch
10023;Bilverksted AS;post@bilverksted.example,verksted@bilverksted.example;+47 22 33 44 55,+47 912 34 567;OSL
10024;Hansen Auto;ordre@hansenauto.example;+47 934 56 789;OSL
10025;Tønsberg Bilservice;delar@tonsbergbil.example;+47 33 31 22 11;OSL
20011;Verkstad Väst AB;order@verkstadvast.example;+46 31 123 45 67,+46 70 123 45 67;GOT
20012;Kungsbacka Motor;info@kungsbackamotor.example;+46 300 123 45;GOT
"""


def seed(*, now: datetime, drop_folder: Path | None = None) -> None:
    osl = Branch(code="OSL", name="Oslo Alnabru", language="no", timezone="Europe/Oslo",
                 phone_number="+4721000000", inbound_email="oslo@partdesk.example", staff_numbers="+4721000001",
                 backup_name="Delepartner Øst AS", backup_phone="+4722999999", backup_email="ordre@delepartner.example",
                 staff_hold_limit=5, hourly_limit=40, open_limit=120, overflow_policy="hold")
    got = Branch(code="GOT", name="Göteborg Hisingen", language="sv", timezone="Europe/Stockholm",
                 phone_number="+46313000000", inbound_email="goteborg@partdesk.example", staff_numbers="+46313000001",
                 backup_name="Reservdelar Syd AB", backup_phone="+4640999999", backup_email="order@reservdelar.example",
                 staff_hold_limit=4, hourly_limit=30, open_limit=80, overflow_policy="redirect")
    db.session.add_all([osl, got])
    db.session.flush()
    people = {}
    for login, password, _ in LOGINS:
        role = {"maria": "manager", "admin": "admin"}.get(login, "staff")
        branch = {"kari": osl, "ola": osl, "sven": got, "maria": osl}.get(login)
        staff = Staff(login=login, name=login.capitalize(), role=role, branch=branch)
        staff.set_password(password)
        db.session.add(staff)
        people[login] = staff
    import_workshops(WORKSHOPS_CSV)
    if drop_folder is not None:
        drop_folder.mkdir(parents=True, exist_ok=True)
        db.session.add(Mailbox(branch_id=osl.id, name="osl-drop", kind="drop", path=str(drop_folder)))
    db.session.flush()
    from sqlalchemy import select

    from app.models import Workshop

    by_number = {w.customer_number: w for w in db.session.scalars(select(Workshop))}
    samples = [
        (osl, "10023", "phone", [("0 986 494 123", "Bremseklosser foran", 2)], "EL 12345", True, "pickup", 50),
        (osl, "10024", "email", [("HU 719/7 x", "Oljefilter", 1), (None, "Viskerblader foran", 1)], "DK 98765", False, "delivery", 35),
        (osl, "10025", "sms", [("BKR6E", "Tennplugg NGK", 4)], None, False, None, 20),
        (got, "20011", "email", [("1 987 429 405", "Bromsskivor fram", 1)], "ABC 123", True, "delivery", 15),
        (got, "20012", "web", [(None, "Torkarblad bak", 1)], "XYZ 789", False, "pickup", 5),
    ]
    for branch, number, channel, lines, plate, urgent, fulfilment, minutes_ago in samples:
        service.create_order(branch.id, OrderInput(
            channel=channel, workshop_id=by_number[number].id, plate=plate, urgent=urgent, fulfilment=fulfilment,
            lines=[LineInput(part_number=p, description=d, quantity=q) for p, d, q in lines],
        ), by=people["kari"] if channel in ("phone", "web") else None, now=now - timedelta(minutes=minutes_ago))
    first = db.session.scalars(select(__import__("app.models", fromlist=["Order"]).Order).limit(1)).first()
    service.claim(first, people["kari"], now=now - timedelta(minutes=40))
