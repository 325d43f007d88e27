"""Only requests signed by Twilio for our public URL get through; everything else is a 403."""
from __future__ import annotations

import logging

import pytest

from app import create_app
from app.config import TestConfig
from app.extensions import db as _db
from tests.conftest import _overrides
from tests.phone.conftest import TOKEN, Twilio

CALL = {"CallSid": "CA0001", "From": "+4790000001", "To": "+4722999999", "CallStatus": "ringing"}


def test_signed_request_passes(twilio):
    assert twilio.post("/twilio/voice", CALL).status_code == 200


def test_unsigned_request_is_refused_and_logged(twilio, caplog):
    with caplog.at_level(logging.WARNING, logger="app.phone.security"):
        response = twilio.client.post("/twilio/voice", data=CALL)
    assert response.status_code == 403
    assert any("bad or missing signature" in r.getMessage() for r in caplog.records)


def test_tampered_parameters_are_refused(twilio):
    signature = twilio.sign("http://localhost/twilio/voice", CALL)
    tampered = {**CALL, "From": "+4799999999"}
    assert twilio.post("/twilio/voice", tampered, signature=signature).status_code == 403


def test_signature_replayed_to_another_url_is_refused(twilio):
    signature = twilio.sign("http://localhost/twilio/voice", CALL)
    assert twilio.post("/twilio/voice/menu", CALL, signature=signature).status_code == 403
    assert twilio.post("/twilio/voice?x=1", CALL, signature=signature).status_code == 403


def test_query_string_is_part_of_the_signed_url(twilio):
    url = "http://localhost/twilio/voice?attempt=2"
    assert twilio.post("/twilio/voice?attempt=2", CALL, signed_url=url).status_code == 200


def test_without_an_auth_token_every_webhook_is_refused(app, twilio, caplog):
    app.config["TWILIO_AUTH_TOKEN"] = None
    with caplog.at_level(logging.WARNING, logger="app.phone.security"):
        for path in ("/twilio/voice", "/twilio/voice/menu", "/twilio/voice/recording", "/twilio/voice/transcription",
                     "/twilio/voice/status", "/twilio/sms", "/twilio/message-status"):
            assert twilio.post(path, CALL).status_code == 403, path
    assert any("not configured" in r.getMessage() for r in caplog.records)


def test_signature_from_another_account_is_refused(twilio):
    other = Twilio(twilio.client)
    other.validator.token = b"someone-elses-token"
    assert other.post("/twilio/voice", CALL).status_code == 403


PUBLIC = "https://public.example/twilio/voice"


def test_public_base_url_matches_what_twilio_signed(app, twilio):
    # Twilio called https://public.example/...; the proxy hands the app plain http://localhost/...
    assert twilio.post("/twilio/voice", CALL, signed_url=PUBLIC).status_code == 403
    app.config["PUBLIC_BASE_URL"] = "https://public.example/"
    assert twilio.post("/twilio/voice", CALL, signed_url=PUBLIC).status_code == 200
    assert twilio.post("/twilio/voice", CALL).status_code == 403  # signed for the internal URL


@pytest.fixture
def proxied(tmp_path):
    """An app built by create_app trusting one proxy hop, as deployed behind a TLS-terminating proxy."""
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(_overrides(tmp_path), PROXY_FIX_HOPS=1, TWILIO_AUTH_TOKEN=TOKEN, PUBLIC_BASE_URL=None)
    app = create_app(config)
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()


def test_behind_proxyfix_the_forwarded_url_is_checked(proxied):
    twilio = Twilio(proxied.test_client())
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example", "X-Forwarded-For": "54.0.0.1"}
    assert twilio.post("/twilio/voice", CALL, signed_url=PUBLIC, headers=forwarded).status_code == 200
    assert twilio.post("/twilio/voice", CALL, signed_url=PUBLIC).status_code == 403


def test_without_proxyfix_forwarded_headers_are_not_trusted(twilio):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example"}
    assert twilio.post("/twilio/voice", CALL, signed_url=PUBLIC, headers=forwarded).status_code == 403


# --- bodies that are not what Twilio sends: refused before anything reads them ---

HOOKS = ("/twilio/voice", "/twilio/voice/dialed", "/twilio/voice/menu", "/twilio/voice/recording",
         "/twilio/voice/transcription", "/twilio/voice/status", "/twilio/sms", "/twilio/message-status")


def _validator():
    from twilio.request_validator import RequestValidator

    return RequestValidator(TOKEN)


@pytest.mark.parametrize("path", HOOKS)
@pytest.mark.parametrize("signature", [None, "anything", "x" * 28])
def test_a_json_body_with_any_signature_is_refused(twilio, path, signature):
    response = twilio.client.post(path, data='{"CallSid": "CA1", "From": "+4790000001"}',
                                  content_type="application/json",
                                  headers={"X-Twilio-Signature": signature} if signature else {})
    assert response.status_code == 403


@pytest.mark.parametrize("path", HOOKS)
def test_a_json_body_signed_the_way_twilio_signs_json_is_refused(twilio, path):
    # Twilio's JSON scheme: the body's sha256 in the URL, the signature over the URL alone; our hooks take forms only
    import hashlib

    body = '{"CallSid": "CA1", "MessageSid": "SM1", "From": "+4790000001"}'
    query = f"?bodySHA256={hashlib.sha256(body.encode()).hexdigest()}"
    signature = _validator().compute_signature(f"http://localhost{path}{query}", {})
    assert _validator().validate(f"http://localhost{path}{query}", body, signature)  # the library accepts it
    response = twilio.client.post(path + query, data=body, content_type="application/json",
                                  headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_multipart_body_signed_over_its_fields_is_refused(twilio):
    signature = twilio.sign("http://localhost/twilio/voice", CALL)
    response = twilio.client.post("/twilio/voice", data=CALL, content_type="multipart/form-data",
                                  headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
def test_an_empty_body_signed_over_the_url_alone_is_refused(twilio, content_type):
    signature = twilio.sign("http://localhost/twilio/voice", {})
    response = twilio.client.post("/twilio/voice", data=b"", content_type=content_type,
                                  headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream", "application/xml"])
def test_a_form_sent_as_another_content_type_is_refused(twilio, content_type):
    from urllib.parse import urlencode

    signature = twilio.sign("http://localhost/twilio/voice", {})  # the app would see no fields, so none are signed
    response = twilio.client.post("/twilio/voice", data=urlencode(CALL), content_type=content_type,
                                  headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_parameter_given_twice_is_refused_even_when_signed(twilio):
    from werkzeug.datastructures import MultiDict

    params = MultiDict([*CALL.items(), ("From", "+4799999999")])
    url = "http://localhost/twilio/voice"
    signature = twilio.sign(url, params)
    assert _validator().validate(url, params, signature)  # the library accepts both values
    response = twilio.client.post("/twilio/voice", data="&".join(f"{k}={v.replace('+', '%2B')}"
                                                                  for k, v in params.items(multi=True)),
                                  content_type="application/x-www-form-urlencoded",
                                  headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_query_parameter_given_twice_is_refused_even_when_signed(twilio):
    url = "http://localhost/twilio/voice?attempt=1&attempt=2"
    assert twilio.post("/twilio/voice?attempt=1&attempt=2", CALL, signed_url=url).status_code == 403
    assert twilio.post("/twilio/voice?attempt=2", CALL, signed_url="http://localhost/twilio/voice?attempt=2"
                       ).status_code == 200


def test_a_form_with_a_charset_is_still_a_form(twilio):
    from urllib.parse import urlencode

    signature = twilio.sign("http://localhost/twilio/voice", CALL)
    response = twilio.client.post("/twilio/voice", data=urlencode(CALL),
                                  content_type="application/x-www-form-urlencoded; charset=utf-8",
                                  headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200


def test_a_signed_sms_with_a_nul_becomes_an_order_without_it(db, twilio, phone_branch, make, caplog):
    from app.models import InboundMessage, Order

    branch = phone_branch()
    make.workshop(branch, phones=["+4790000001"])
    params = {"MessageSid": "SM1", "From": "+4790000001", "To": "+4722000000",
              "Body": "2 stk bremse\x00klosser 0 986 494 123"}
    with caplog.at_level(logging.WARNING, logger="app.phone.security"):
        assert twilio.post("/twilio/sms", params).status_code == 200
    message = db.session.query(InboundMessage).one()
    assert message.status != "failed", message.error
    order = db.session.query(Order).one()
    assert "bremseklosser" in bytes(message.raw).decode() and order.lines[0].part_number == "0 986 494 123"
    assert any("NUL characters dropped from Body" in r.getMessage() for r in caplog.records)


def test_a_signed_call_with_a_nul_in_its_parameters_is_answered(twilio, phone_branch):
    phone_branch()
    assert twilio.post("/twilio/voice", {**CALL, "To": "+4722000000", "From": "+47900\x0000001"}).status_code == 200
