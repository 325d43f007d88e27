"""Generated hostile mail (hypothesis): random bytes, random header/body/MIME trees, bad charsets and
transfer encodings, truncated multiparts, huge headers. parse_bytes never raises; store + process never
loses a message."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.reading.parse import parse_bytes
from app.intake.store import dedup_key
from app.models import InboundMessage
from tests.hostile.test_cpython_corpus import check_intake

HEADER_NAMES = ["From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Date", "Content-Type",
                "Content-Transfer-Encoding", "Content-Disposition", "Content-Language", "Auto-Submitted",
                "Precedence", "List-Id", "Authentication-Results", "MIME-Version", "X-Autoreply", "Reply-To"]
CHARSETS = ["utf-8", "iso-8859-1", "koi8-r", "utf-16", "utf-7", "x-unknown", "", "utf-8\x00", "cp1252;;",
            "=?utf-8?q?x?=", "gb2312", "ascii"]
TYPES = ["text/plain", "text/html", "application/octet-stream", "text/csv", "message/rfc822",
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "message/delivery-status",
         "image/png", "multipart/report", "text/x-garbage", "???", ""]
ENCODINGS = ["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", "bogus", ""]

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
# header values: plain text, encoded-words (some broken), addresses, and CR/LF injections
header_value = st.one_of(
    text,
    st.builds(lambda cs, v: f"=?{cs}?{'QB'[len(v) % 2]}?{v}?=", st.sampled_from(CHARSETS), text),
    st.builds(lambda n, a: f'"{n}" <{a}>', text, st.emails()),
    st.builds(lambda v: v.replace(" ", "\r\n "), text),
    st.sampled_from(["<>", "<<<", "@", ";;;", "\r\n\r\n", "=?", "?=", "\x00", "boundary=", 'boundary=""']),
)


@st.composite
def leaf(draw) -> bytes:
    ctype = draw(st.sampled_from(TYPES))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(ENCODINGS))
    headers = [f"Content-Type: {ctype}; charset=\"{charset}\""]
    if draw(st.booleans()):
        headers.append(f"Content-Transfer-Encoding: {cte}")
    if draw(st.booleans()):
        headers.append(f"Content-Disposition: {draw(st.sampled_from(['attachment', 'inline', '']))}; "
                       f"filename=\"{draw(header_value)}\"")
    body = draw(st.one_of(text.map(lambda t: t.encode("utf-8")), st.binary(max_size=300)))
    return "\r\n".join(headers).encode("utf-8", "surrogateescape") + b"\r\n\r\n" + body


def multipart(children):
    @st.composite
    def build(draw) -> bytes:
        boundary = draw(st.sampled_from(["b1", "=_x", "", "a" * 80, "--", "b1 b2"]))
        parts = draw(st.lists(children, min_size=0, max_size=4))
        subtype = draw(st.sampled_from(["mixed", "alternative", "related", "report", "digest"]))
        out = f"Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\npreamble\r\n".encode()
        for part in parts:
            out += f"--{boundary}\r\n".encode() + part + b"\r\n"
        if draw(st.booleans()):
            out += f"--{boundary}--\r\n".encode()  # sometimes the closing delimiter is missing
        return out
    return build()


mime_tree = st.recursive(leaf(), multipart, max_leaves=8)


@st.composite
def message(draw) -> bytes:
    headers = draw(st.lists(st.tuples(st.sampled_from(HEADER_NAMES), header_value), max_size=12))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8", "surrogateescape")
    if draw(st.integers(0, 9)) == 0:  # a huge header, or a great many of them
        head += b"X-Huge: " + b"A" * draw(st.integers(1000, 300_000)) + b"\r\n"
        head += b"".join(b"X-Many-%d: v\r\n" % i for i in range(draw(st.integers(0, 3000))))
    raw = head + draw(mime_tree)
    if draw(st.booleans()):
        raw = raw[:draw(st.integers(0, len(raw)))]  # truncated anywhere, mid-boundary included
    return raw


hostile = st.one_of(st.binary(max_size=3000), message())


@settings(max_examples=200, deadline=None, database=None)
@given(raw=hostile)
def test_parse_bytes_never_raises(raw):
    parsed = parse_bytes(raw)
    assert parsed.kind in ("order", "follow_up", "cancellation", "other", "auto_reply")
    parsed.to_dict()  # the JSON contract can always be produced


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=hostile)
def test_store_and_process_never_lose_a_message(db, make, branch, intake, raw):
    # fixtures are shared by every example (one database for the run); each message is new or a redelivery
    message, outcome, created = intake(raw)
    if created:
        check_intake(db, message, outcome, raw)
    else:  # the same Message-ID (or the same bytes) stored earlier: kept once, not lost
        stored = db.session.scalar(select(InboundMessage).where(InboundMessage.dedup_key == dedup_key(raw)))
        assert stored is not None and outcome == "skipped"


NUL_MAIL = (b"From: Ola\x00 <post\x00@verksted.test>\r\nSubject: Best\x00illing\r\nMessage-ID: <a\x00b@verksted.test>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
            b"Content-Type: text/plain\r\n\r\nVi trenger 2 stk bremseklosser 0 986 494 123\x00 til AB12345\r\n--b\r\n"
            b"Content-Type: text/csv\r\nContent-Disposition: attachment; filename=\"liste\x00.csv\"\r\n\r\n"
            b"Varenr;Antall\r\n0 986 494 124\x00;2\r\n--b--\r\n")


def test_nul_bytes_everywhere_are_stored_and_processed(db, make, branch, intake):
    # PostgreSQL refuses NUL in text columns: before the fix this message could not even be stored there
    make.workshop(branch, emails=["post@verksted.test"])
    message, outcome, created = intake(NUL_MAIL)
    assert created
    check_intake(db, message, outcome, NUL_MAIL)
    assert outcome == "order" and "\x00" not in (message.sender or "") + (message.subject or "")
