"""A fake of Twilio's servers at the transport: the real REST client, a recording HttpClient."""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

import pytest
from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT = "AC" + "0" * 32
FROM = "+4759440000"


class FakeTwilioHttp(HttpClient):
    """Records every request; answers 201 with a message resource, or fails as told.

    `fail` is a list consumed one per request: 500 -> an HTTP 500 from "Twilio", "raise" -> a
    connection error, None -> success."""

    def __init__(self, fail=()):
        super().__init__(logging.getLogger("fake-twilio"), False)
        self.requests: list[dict] = []
        self.sent: list[dict] = []  # the messages Twilio accepted: what actually went out
        self.fail = list(fail)

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        form = dict(data or {})
        self.requests.append({"method": method, "uri": uri, "data": form, "auth": auth})
        outcome = self.fail.pop(0) if self.fail else None
        if outcome == "raise":
            raise ConnectionError("connection reset by peer")
        if outcome == 500:
            return Response(500, json.dumps({"code": 20500, "message": "Internal Server Error", "status": 500}))
        sid = f"SM{len(self.sent) + 1:032d}"
        self.sent.append(form)
        return Response(201, json.dumps({"sid": sid, "account_sid": ACCOUNT, "to": form.get("To"),
                                         "from": form.get("From"), "body": form.get("Body"), "status": "queued"}))


@pytest.fixture
def fake_twilio(app):
    fake = FakeTwilioHttp()
    app.config.update(TWILIO_ACCOUNT_SID=ACCOUNT, TWILIO_AUTH_TOKEN="test-auth-token", TWILIO_FROM_NUMBER=FROM,
                      PUBLIC_BASE_URL="https://public.example", TWILIO_HTTP_CLIENT=fake)
    return fake


def form_of(body: str) -> dict:
    return {k: v[0] for k, v in parse_qs(body).items()}
