"""Issue 12, point 7: a known-good order with a distractor written into it (tests/intake/distractors.py)
either reads the same lines and plate, or goes to review. Never a silently different order.

Base orders are the labelled clear orders in ../shared/samples and tests/intake/messages that the parser
reads fully right today. A variant edits the text the parser reads: an email is rebuilt with the stdlib
email package from its decoded text part (an HTML-only body gets new paragraphs, table cells are left
alone), an SMS is edited after its From line. Each (kind, position) is one test, so a failure names its
group, and hypothesis shrinks it to the shortest message, first slot and first phrase that fail."""
from __future__ import annotations

import email
import email.policy
import html
import json
import os
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.reading.extract.partnumbers import normalise_part_number
from app.reading.charset import decode_bytes
from app.reading.parse import channel_for, parse_bytes
from app.reading.extract.quotes import split_quotes
from app.reading.scoring import hard_reasons, lines_match, reading_diffs
from tests.intake.distractors import PHRASES, Phrase

MESSAGES = Path(__file__).resolve().parent / "messages"
EXAMPLES = 30          # per (kind, position)
MIN_DISTINCT = 16      # distinct variants each (kind, position) must have tried when it passes
OIL = re.compile(r"\b(?:olje|olie|olja|öljy|oil|öl|huile|motorolie)\b", re.I)
OIL_FILTER = re.compile(r"(?:olje|olie|olja|öljyn|oil |öl)\w*(?:filt|suodatin)|filtre à huile", re.I)


def _samples_dir() -> Path | None:
    here = Path(__file__).resolve().parents[3] / "shared" / "samples"
    if here.is_dir():
        return here
    env = os.environ.get("PARTDESK_SAMPLES")
    return Path(env) if env and Path(env).is_dir() else None


@dataclass(frozen=True)
class Slot:
    row: int
    col: int
    newline: bool  # True: the phrase goes on a line (paragraph) of its own from `col`
    part: str = ""  # at the end of an order line: that line's description

    def __repr__(self) -> str:
        return f"Slot(row {self.row}, col {self.col}{', own line' if self.newline else ''})"

    def _repr_pretty_(self, printer, cycle):  # hypothesis prints draws with this, not field by field
        printer.text(repr(self))


class TextBody:
    """A plain-text body as rows; `render` joins edited rows back."""

    def __init__(self, text: str):
        self.rows = text.split("\n")

    def render(self, rows: list[str]) -> str:
        return "\n".join(rows)


_PARA = re.compile(r"(<p\b[^>]*>)(.*?)</p>", re.S | re.I)
_TABLE = re.compile(r"<table\b.*?</table>", re.S | re.I)


class HtmlBody:
    """An HTML body as its paragraphs outside tables (one row each; a table's paragraphs are blank rows
    nothing is written into); an edited row is written back as escaped text, a newline as a new paragraph."""

    def __init__(self, markup: str):
        self.markup = markup
        tables = [m.span() for m in _TABLE.finditer(markup)]
        self.paras = [m for m in _PARA.finditer(markup) if not any(s <= m.start() < e for s, e in tables)]
        self.rows = [html.unescape(re.sub(r"<[^>]+>", "", m.group(2))).replace("\xa0", " ") for m in self.paras]

    def render(self, rows: list[str]) -> str:
        out, pos = [], 0
        for m, old, new in zip(self.paras, self.rows, rows):
            if new == old:
                continue
            tag = m.group(1)
            out += [self.markup[pos:m.start()], "".join(f"{tag}{html.escape(t, quote=False)}</p>"
                                                        for t in new.split("\n"))]
            pos = m.end()
        return "".join(out) + self.markup[pos:]


def _body_part(msg):
    parts = [p for p in msg.walk() if not p.is_multipart() and p.get_content_disposition() != "attachment"
             and not p.get_filename() and p.get_content_type() in ("text/plain", "text/html")]
    plain = [p for p in parts if p.get_content_type() == "text/plain" and _decoded(p).strip()]
    return (plain or [p for p in parts if p.get_content_type() == "text/html"])[0]


def _decoded(part) -> str:
    """The part's text as the app reads it (a mislabelled charset is guessed, not replaced by U+FFFD)."""
    return decode_bytes(part.get_payload(decode=True) or b"", part.get_content_charset())


def _email_body(raw: bytes):
    part = _body_part(email.message_from_bytes(raw, policy=email.policy.default))
    text = _decoded(part).replace("\r\n", "\n")
    body = TextBody(text) if part.get_content_type() == "text/plain" else HtmlBody(text)

    def rebuild(content: str) -> bytes:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        part = _body_part(msg)
        charset = part.get_content_charset() or "utf-8"
        try:
            content.encode(charset)
        except (UnicodeEncodeError, LookupError):
            charset = "utf-8"
        cte = str(part.get("Content-Transfer-Encoding", "")).lower()
        part.set_content(content, subtype=part.get_content_subtype(), charset=charset,
                         cte=cte if cte in ("quoted-printable", "base64") else None)
        return msg.as_bytes()

    return body, rebuild


def _sms_body(raw: bytes):
    text = raw.decode("utf-8").replace("\r\n", "\n")
    head = re.match(r"[ \t]*from[ \t]*:[^\n]*\n(?:[ \t]*\n)*", text, re.I)
    cut = head.end() if head else 0
    return TextBody(text[cut:]), lambda content: (text[:cut] + content).encode("utf-8")


@dataclass
class Base:
    id: str
    channel: str
    language: str
    gold: dict
    body: TextBody | HtmlBody
    rebuild: Callable[[str], bytes]            # body text -> the whole message as bytes
    read: dict = field(default_factory=dict)   # what the parser reads from the message as it is
    slots: dict[str, list[Slot]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return self.id

    def _repr_pretty_(self, printer, cycle):
        printer.text(self.id)

    def edit(self, slot: Slot, phrase: Phrase) -> list[str]:
        rows = list(self.body.rows)
        row = rows[slot.row]
        head, rest = row[:slot.col], row[slot.col:]
        if slot.newline:
            insert = "\n" + phrase.text + ("\n" if rest.strip() else "")
            rest = rest.lstrip()
        else:
            insert = phrase.text
        rows[slot.row] = head + insert + rest
        return rows

    def variant(self, slot: Slot, phrase: Phrase) -> bytes:
        return self.rebuild(self.body.render(self.edit(slot, phrase)))


def _align(lines: list[str], rows: list[str], strict: bool) -> dict[int, tuple[int, int]]:
    """Line i of the parser's new text -> (row, column of its first character) in the body."""
    out, start = {}, 0
    for i, line in enumerate(lines):
        text = line.strip()
        if not text:
            continue
        for r in range(start, len(rows)):
            row = rows[r].replace("\xa0", " ")
            if row.strip().startswith(text):
                out[i] = (r, row.find(text) - (len(line) - len(line.lstrip())))
                start = r + 1
                break
        else:
            if strict:
                raise AssertionError(f"new-text line {line!r} not found in the body")
    return out


_TRAILING_COUNT = re.compile(r"\s*[x×]\s?\d+\b")
_BOUNDARY = re.compile(r"(?<=\S)[.!?](?=\s+[A-ZÆØÅÄÖÜÉ]|\s*$)")
_ABBREVIATIONS = {"reg", "nr", "stk", "st", "kl", "ca", "tlf", "tel", "puh", "immat", "org", "mob", "inkl", "evt",
                  "bzw", "ggf", "mvh", "str", "ref", "réf", "kpl", "no", "pcs", "hr", "fr", "mr"}


def _sentence_ends(text: str) -> list[int]:
    ends = []
    for m in _BOUNDARY.finditer(text):
        word = re.search(r"(\S+)$", text[:m.start()]).group(1).lower()
        if m.group() == "." and (word.rstrip(".").split(".")[-1] in _ABBREVIATIONS or "." in word
                                 or word.endswith("nr") or len(word) == 1):
            continue
        ends.append(m.end())
    return ends


def _slots(base: Base, pm) -> dict[str, list[Slot]]:
    rows = base.body.rows
    lines = pm.new_text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    where = _align(lines, rows, strict=isinstance(base.body, TextBody))
    offset = len(pm.evidence_text) - len(pm.new_text)
    sentence, line_end, own_line = set(), set(), set()
    for i, (r, col) in where.items():
        portion = lines[i].strip()
        begin = col + len(lines[i]) - len(lines[i].lstrip())
        end = begin + len(portion)
        own_line.add(Slot(r, end, True))
        for e in _sentence_ends(portion):
            sentence.add(Slot(r, begin + e, False))
            if begin + e < end:
                own_line.add(Slot(r, begin + e, True))
    for line in pm.lines:
        spans = [s for key in ("part_number", "quantity", "description") for s in line.evidence.get(key, [])]
        if line.source != "text" or "line" in line.evidence or not spans or min(s for s, _ in spans) < offset:
            continue  # a table row, an attachment or the subject: no clause is written after it
        # After the part number (or a count written after it, "x2", "- 1 sett"); a description read on
        # past it ("... pour la 206, je passe à 17h") is not where the line ends for a person.
        numbers = line.evidence.get("part_number", [])
        tail = [e for s, e in line.evidence.get("quantity", []) if numbers and s >= numbers[0][0]]
        at = max([e for _, e in numbers] + tail or [e for _, e in spans]) - offset
        i = bisect_right(starts, at) - 1
        if i in where:
            r, col = where[i]
            c = col + at - starts[i]
            count = _TRAILING_COUNT.match(rows[r], c)  # "C 30 005 x1": x1 is part of the line
            c = count.end() if count else c
            if c >= len(rows[r]) or not rows[r][c].isalnum():
                line_end.add(Slot(r, c, False, line.description or ""))
    signature = set()
    sig_lines = [s for s in split_quotes(pm.body_text, pm.subject).signature.split("\n") if s.strip()]
    first = min((r for r, _ in where.values()), default=0)
    r = first
    for sig in sig_lines:
        while r < len(rows) and not rows[r].replace("\xa0", " ").rstrip().endswith(sig.strip()):
            r += 1
        if r < len(rows):
            signature.add(Slot(r, len(rows[r].rstrip()), True))
    if not sig_lines and where:
        last = max(where.values())[0]
        signature.add(Slot(last, len(rows[last].rstrip()), True))
    return {"sentence": sorted(sentence, key=_order), "line_end": sorted(line_end, key=_order),
            "own_line": sorted(own_line, key=_order), "signature": sorted(signature, key=_order)}


def _order(slot: Slot) -> tuple[int, int]:
    return slot.row, slot.col


@cache
def bases() -> tuple[Base, ...]:
    """The clear orders read fully right today, shortest first (hypothesis shrinks towards the first)."""
    out = []
    for folder, prefix in ((_samples_dir(), "samples"), (MESSAGES, "messages")):
        if folder is None:
            continue
        for gold_path in sorted(folder.glob("*.gold.json")):
            stem = gold_path.name.removesuffix(".gold.json")
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            path = next((p for p in (folder / f"{stem}.eml", folder / f"{stem}.sms.txt") if p.exists()), None)
            if path is None or gold["kind"] != "order" or gold.get("must_review"):
                continue
            raw, channel = path.read_bytes(), channel_for(path)
            pm = parse_bytes(raw, channel)
            # read right, and in review at most for the calibrated threshold: the distractor must not change that
            if hard_reasons(pm.review_reasons) or reading_diffs(gold, pm.to_dict()):
                continue
            body, rebuild = _sms_body(raw) if channel == "sms" else _email_body(raw)
            base = Base(f"{prefix}/{stem}", channel, gold["language"], gold, body, rebuild, pm.to_dict())
            base.slots = _slots(base, pm)
            out.append(base)
    return tuple(sorted(out, key=lambda b: (len("\n".join(b.body.rows)), b.id)))


def slots_for(base: Base, kind: str, position: str) -> list[Slot]:
    if kind == "volume" and position == "line_end":  # an oil capacity is written beside the oil filter
        return [s for s in base.slots[position] if OIL_FILTER.search(s.part)]
    return base.slots[position]


def _eligible(kind: str, position: str) -> list[Base]:
    found = [b for b in bases() if slots_for(b, kind, position) and PHRASES[kind, position][b.language]]
    if kind == "volume":  # "the engine takes 5 l, we have oil" beside an ordered oil would contradict it
        found = [b for b in found if not any(OIL.search(d) and not OIL_FILTER.search(d)
                                             for d in (line.get("description") or "" for line in b.gold["lines"]))]
    return found


def _plate_ok(gold_plate: str | None, got: str | None, inserted: str | None) -> bool:
    allowed = {gold_plate} if gold_plate else {None, inserted}
    norm = {normalise_part_number(p) if p else None for p in allowed}
    return (normalise_part_number(got) if got else None) in norm


def check(base: Base, slot: Slot, phrase: Phrase) -> str | None:
    """None when the variant keeps the lines and the plate or goes to review; else what went wrong."""
    pm = parse_bytes(base.variant(slot, phrase), base.channel)
    assert " ".join(phrase.text.split()) in " ".join(pm.body_text.split()), "the distractor never reached the parser"
    got = pm.to_dict()
    if got["needs_review"]:
        return None
    wrong = []
    if not lines_match(base.gold["lines"], got["lines"]):
        wrong.append(f"lines {got['lines']} (gold {base.gold['lines']})")
    if not _plate_ok(base.gold.get("plate"), got["plate"], phrase.plate):
        wrong.append(f"plate {got['plate']!r} (gold {base.gold.get('plate')!r})")
    if not wrong:
        return None
    row = base.edit(slot, phrase)[slot.row]
    return (f"{base.id} ({base.language}): inserted {phrase.text!r} -> row {row!r}: " + "; ".join(wrong)
            + f"; kind {got['kind']}, confidence {got['confidence']}, not sent to review")


COMBOS = sorted(PHRASES)
assert MIN_DISTINCT * len(COMBOS) >= 500, "fewer than 500 generated cases in all"
TRIED: dict[tuple[str, str], set] = {}


@pytest.fixture(scope="module", autouse=True)
def _print_count(request):
    yield
    total = sum(len(v) for v in TRIED.values())
    fewest = min((len(v) for v in TRIED.values()), default=0)
    line = (f"distractor variants tried: {total} in {len(TRIED)} (kind, position) groups "
            f"(fewest in a group: {fewest}) over {len(bases())} base orders")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter and capture:  # past the output capture, so it shows on a passing run too
        with capture.global_and_fixture_disabled():
            reporter.write_line("\n" + line)
    else:
        print(line)


def test_rebuilding_a_base_without_a_distractor_changes_nothing():
    """The harness itself changes nothing the parser reads, so every difference below is the distractor's."""
    assert any(b.id.startswith("messages/") for b in bases()), "no base orders from tests/intake/messages"
    for base in bases():
        rebuilt = base.rebuild(base.body.render(list(base.body.rows)))
        assert parse_bytes(rebuilt, base.channel).to_dict() == base.read, f"{base.id} reads differently rebuilt"


@pytest.mark.skipif(_samples_dir() is None, reason="samples folder not found; set PARTDESK_SAMPLES")
def test_the_samples_give_base_orders_too():
    assert any(b.id.startswith("samples/") for b in bases())


@pytest.mark.parametrize(("kind", "position"), COMBOS, ids=[f"{k}-{p}" for k, p in COMBOS])
def test_distractor_keeps_the_order_or_goes_to_review(kind, position):
    eligible = _eligible(kind, position)
    assert eligible, f"no base order has a {position} slot for {kind}"
    tried = TRIED.setdefault((kind, position), set())

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None, print_blob=False,
              phases=[Phase.explicit, Phase.generate, Phase.shrink], suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def keeps_the_order(data):
        base = data.draw(st.sampled_from(eligible), label="base")
        slot = data.draw(st.sampled_from(slots_for(base, kind, position)), label="slot")
        phrase = data.draw(st.sampled_from(PHRASES[kind, position][base.language]), label="phrase")
        tried.add((base.id, slot, phrase))
        problem = check(base, slot, phrase)
        assert problem is None, problem

    keeps_the_order()
    assert len(tried) >= MIN_DISTINCT, f"only {len(tried)} distinct variants tried for {kind} {position}"


if __name__ == "__main__":  # every variant, not a sample of them: python -m tests.intake.test_distractors
    total = 0
    for kind, position in COMBOS:
        cases = [(b, s, p) for b in _eligible(kind, position) for s in slots_for(b, kind, position)
                 for p in PHRASES[kind, position][b.language]]
        problems = [problem for case in cases if (problem := check(*case))]
        total += len(cases)
        print(f"{kind} {position}: {len(problems)} of {len(cases)} variants fail"
              + (f"; the shortest message: {problems[0]}" if problems else ""))
    print(f"{total} variants in all")
