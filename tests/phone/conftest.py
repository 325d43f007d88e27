"""Signed Twilio webhook requests, and a branch wired for phone and SMS."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

TOKEN = "test-auth-token-0123456789abcdef"
BRANCH_NUMBER = "+4722000000"
STAFF_NUMBERS = "+4791000001,+4791000002"
BACKUP = ("Reservedeler Backup AS", "+4723000000")


class Twilio:
    """Posts to the app the way Twilio does: form-encoded, signed for the URL Twilio was given."""

    def __init__(self, client, base="http://localhost"):
        self.client = client
        self.base = base
        self.validator = RequestValidator(TOKEN)

    def sign(self, url: str, params: dict) -> str:
        return self.validator.compute_signature(url, params)

    def post(self, path: str, params: dict, *, signed_url: str | None = None, signature: str | None = None,
             headers: dict | None = None, base_url: str | None = None):
        url = signed_url or (self.base + path)
        sig = signature if signature is not None else self.sign(url, params)
        all_headers = {"X-Twilio-Signature": sig, **(headers or {})}
        return self.client.post(path, data=urlencode(params), headers=all_headers,
                                content_type="application/x-www-form-urlencoded",
                                base_url=base_url or "http://localhost")

    def xml(self, path: str, params: dict) -> ET.Element:
        response = self.post(path, params)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        return ET.fromstring(response.get_data())


@pytest.fixture
def twilio(app, client):
    app.config.update(TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=None)
    return Twilio(client)


@pytest.fixture
def phone_branch(make):
    def build(code="OSL", language="no", **kw):
        kw.setdefault("phone_number", BRANCH_NUMBER)
        kw.setdefault("staff_numbers", STAFF_NUMBERS)
        kw.setdefault("backup_name", BACKUP[0])
        kw.setdefault("backup_phone", BACKUP[1])
        kw.setdefault("inbound_email", f"{code.lower()}@parts.example")
        return make.branch(code, language=language, **kw)

    return build


def says(root: ET.Element) -> list[tuple[str, str]]:
    """(language, text) of every <Say>, in document order."""
    return [(el.get("language"), el.text or "") for el in root.iter("Say")]


def verbs(root: ET.Element) -> list[str]:
    return [child.tag for child in root]
