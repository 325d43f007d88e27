"""Attachment download cannot be turned into a path traversal: the index is an integer into one stored
message, bad indexes are 404, and a hostile filename is served only as a download under a safe name,
without the filesystem ever being touched."""
from __future__ import annotations

import builtins
import os

import pytest

from app.models import Order
from tests.conftest import login

EVIL_NAMES = {
    "traversal": ("../../etc/passwd", None),
    "backslashes": ("..\\..\\windows\\win.ini", None),
    "absolute": ("/etc/shadow", None),
    "crlf": ("=?utf-8?q?evil=0D=0ASet-Cookie:_sid=3D1.txt?=", "Set-Cookie"),
    "quote": ('=?utf-8?q?a=22=3B_filename=3Dx.html?=', None),
    "dots": ("....", None),
    "long": ("a" * 5000 + ".xlsx", None),
}


def mail_with(filename: str) -> bytes:
    return (f"From: Ola <post@verksted.test>\r\nTo: osl@partdesk.test\r\nSubject: Bestilling\r\n"
            f"Message-ID: <dl.{abs(hash(filename))}@verksted.test>\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            f"Vi trenger 2 stk bremseklosser 0 986 494 123, se vedlegg.\r\n--b\r\n"
            f"Content-Type: application/octet-stream\r\n"
            f"Content-Disposition: attachment; filename=\"{filename}\"\r\n\r\nroot:x:0:0:not-really\r\n--b--\r\n"
            ).encode()


@pytest.fixture
def order_with(db, make, branch, intake, staff, client):
    make.workshop(branch, emails=["post@verksted.test"])

    def build(filename: str) -> Order:
        message, outcome, _ = intake(mail_with(filename))
        assert outcome == "order"
        return db.session.get(Order, message.order_id)

    login(client, "kari")
    return build


@pytest.fixture
def no_files(monkeypatch):
    """Record every file the request opens; the download must open none named like the attachment."""
    opened = []
    real_open, real_os_open = builtins.open, os.open
    monkeypatch.setattr(builtins, "open", lambda f, *a, **k: (opened.append(str(f)), real_open(f, *a, **k))[1])
    monkeypatch.setattr(os, "open", lambda f, *a, **k: (opened.append(str(f)), real_os_open(f, *a, **k))[1])
    return opened


def test_a_hostile_filename_is_a_download_with_a_safe_name(client, order_with, no_files):
    for name, forbidden in EVIL_NAMES.values():  # one app for all: each login costs a password hash
        check_download(client, order_with(name), no_files, forbidden)


def check_download(client, order, no_files, forbidden):
    response = client.get(f"/orders/{order.reference}/attachments/0")
    assert response.status_code == 200
    assert response.get_data() == b"root:x:0:0:not-really"  # the part's bytes, not a file's
    assert response.mimetype == "application/octet-stream"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    for bad in ("/", "\\", "\r", "\n", "..", "%2F", "%5C", "%0D", "%0A"):
        assert bad not in disposition.split(";", 1)[1].replace("filename*=UTF-8''", ""), (bad, disposition)
    assert len(disposition) < 400
    if forbidden:
        assert forbidden not in response.headers.keys()
    assert not [f for f in no_files if "passwd" in f or "shadow" in f or "win.ini" in f]


TRAVERSALS = ["../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/etc/passwd", "%2e%2e%2f%2e%2e%2f",
              "-1", "-0", "1e3", "0x0", "99999999999999999999999999", "18446744073709551616", "1", " 0", "0.0",
              "%00", "0%00"]


def test_traversal_and_bad_indexes_are_404(client, order_with, no_files):
    order = order_with("liste.pdf")
    assert client.get(f"/orders/{order.reference}/attachments/0").status_code == 200
    for index in TRAVERSALS:
        response = client.get(f"/orders/{order.reference}/attachments/{index}")
        assert response.status_code == 404, index
        assert b"root:" not in response.get_data()
    assert not [f for f in no_files if "passwd" in f]


def test_traversal_in_the_order_reference_is_404(client, order_with):
    order_with("liste.pdf")
    for ref in ("..%2f..%2fetc%2fpasswd", "../../etc", "%2e%2e"):
        assert client.get(f"/orders/{ref}/attachments/0").status_code == 404


def test_another_branchs_attachment_is_403(db, client, make, order_with):
    order = order_with("liste.pdf")
    order.branch_id = make.branch("BGO").id
    db.session.commit()
    assert client.get(f"/orders/{order.reference}/attachments/0").status_code == 403


def test_download_names_keep_what_is_harmless():
    from app.web.queue.routes import download_name

    assert download_name("bestilling ø.xlsx", 0) == "bestilling ø.xlsx"
    assert download_name("../../etc/passwd", 0) == "passwd"
    assert download_name("..", 3) == "attachment-3"
    assert download_name("a\r\nb.txt", 0) == "a__b.txt"
