"""A Twilio webhook signed with the wrong auth token (built with twilio's own RequestValidator) is a 403
on every webhook, and changes nothing."""
from __future__ import annotations

from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from tests.hostile.routes import snapshot

TOKEN = "the-real-auth-token-0123456789ab"
CALL = {"CallSid": "CA0001", "From": "+4790000001", "To": "+4722000000", "CallStatus": "ringing", "Body": "2 stk"}


def post(client, path: str, token: str):
    signature = RequestValidator(token).compute_signature(f"http://localhost{path}", CALL)
    return client.post(path, data=urlencode(CALL), content_type="application/x-www-form-urlencoded",
                       headers={"X-Twilio-Signature": signature})


def test_a_forged_signature_is_403_on_every_webhook(app, client, make):
    make.branch("OSL", phone_number="+4722000000")
    app.config.update(TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=None)
    hooks = sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/twilio/"))
    assert len(hooks) >= 7
    before = snapshot(app)
    for path in hooks:
        assert post(client, path, "a-guessed-wrong-token-0000000000").status_code == 403, path
    assert snapshot(app) == before
    assert post(client, "/twilio/voice", TOKEN).status_code == 200  # the same request, rightly signed
