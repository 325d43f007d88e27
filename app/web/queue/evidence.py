"""The evidence shown to a clerk: the sender's text cut into pieces at the parser's spans, and for every
field and line shown on the page the key that lights its pieces up.

Read from InboundMessage.parsed as intake stored it ("text" and "evidence"), never by parsing again.
Everything here is plain values for the template, which escapes each piece: no HTML is built here.
A field or line whose value no longer equals what was read gets no key (its evidence would be stale)
but `changed`, so the page can say so. A stored parse that is missing, older or malformed gives less
evidence or none, never an error.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from app.models import InboundMessage, Order, OrderLine

# the order's fields that have evidence, as the parser names them
FIELDS = ("plate", "vin", "urgent", "fulfilment", "customer_reference")
LINE_FIELDS = ("part_number", "description", "quantity")
# a bound on the spans one page marks up, so a message with thousands of lines stays a page
MAX_SPANS = 5000


@dataclass(frozen=True)
class Piece:
    text: str
    keys: tuple[str, ...] = ()  # the fields and lines whose evidence covers this piece


@dataclass(frozen=True)
class Cell:
    """A cell of an attachment a line was read from, numbered as a spreadsheet shows it."""
    filename: str
    row: int     # 1-based
    column: str  # "A", "B", ...


@dataclass
class FieldEvidence:
    key: str | None = None   # lights up the field's pieces; None when there is nothing (current) to show
    changed: bool = False    # the value was edited since the message was read
    cells: list[Cell] = field(default_factory=list)

    @property
    def rows(self) -> list[tuple[str, int, list[str]]]:
        """The cells grouped as (filename, row, [columns])."""
        grouped: dict[tuple[str, int], list[str]] = {}
        for cell in self.cells:
            grouped.setdefault((cell.filename, cell.row), []).append(cell.column)
        return [(name, row, columns) for (name, row), columns in grouped.items()]


@dataclass
class LineEvidence(FieldEvidence):
    parts: dict[str, str] = field(default_factory=dict)  # "part_number" -> key of that field's pieces


@dataclass
class PageEvidence:
    pieces: list[Piece]
    fields: dict[str, FieldEvidence]
    lines: list[LineEvidence]
    files: dict[str, str]  # attachment filename -> the keys ("line-0 line-1") of the lines read from it

    def line(self, index: int) -> LineEvidence | None:
        return self.lines[index] if 0 <= index < len(self.lines) else None

    @property
    def notes_on_lines(self) -> bool:
        """Some line has something to say beside it (cells of an attachment, or an edit)."""
        return any(line.cells or line.changed for line in self.lines)


@dataclass(frozen=True)
class Shown:
    """The values a page shows: the order's on the order page, the form's on the review page."""
    plate: str | None = None
    vin: str | None = None
    urgent: bool = False
    fulfilment: str | None = None
    customer_reference: str | None = None
    lines: tuple[tuple[str | None, str | None, int | None], ...] = ()


def shown_by_order(order: Order) -> Shown:
    return Shown(plate=order.plate, vin=order.vin, urgent=bool(order.urgent), fulfilment=order.fulfilment,
                 customer_reference=order.customer_reference,
                 lines=tuple((ln.part_number, ln.description, ln.quantity) for ln in order.lines))


def shown_by_form(form) -> Shown:
    return Shown(plate=form.plate.data, vin=form.vin.data, urgent=bool(form.urgent.data),
                 fulfilment=form.fulfilment.data, customer_reference=form.customer_reference.data,
                 lines=tuple((e.form.part_number.data, e.form.description.data, e.form.quantity.data)
                             for e in form.lines.entries))


def split(text: str, marks: list[tuple[object, object, str]]) -> list[Piece]:
    """`text` cut at every start and end of `marks` ((start, end, key) in code points), each piece with
    the keys of the marks covering it, in order. Marks may overlap or touch; one that is empty, reversed,
    outside the text or not made of integers is ignored. The pieces joined give `text` back."""
    events: dict[int, list[tuple[int, str]]] = {}
    for start, end, key in marks[:MAX_SPANS]:
        if not (_is_int(start) and _is_int(end)) or not 0 <= start < end <= len(text):
            continue
        events.setdefault(start, []).append((1, key))
        events.setdefault(end, []).append((-1, key))
    pieces: list[Piece] = []
    active: dict[str, int] = {}
    at = 0
    for point in sorted(events):
        if point > at:
            pieces.append(Piece(text[at:point], tuple(k for k in active if active[k] > 0)))
            at = point
        for step, key in events[point]:
            active[key] = active.get(key, 0) + step
            if not active[key]:
                del active[key]
    if at < len(text) or not pieces:
        pieces.append(Piece(text[at:], ()))
    return [p for p in pieces if p.text] or [Piece(text)]


def for_page(message: InboundMessage | None, shown: Shown) -> PageEvidence | None:
    """The evidence of the message an order was read from, for the values the page shows; None when there
    is no message (a phone order) or its stored parse has no evidence (read before evidence was kept)."""
    parsed = message.parsed if message is not None else None
    if not isinstance(parsed, dict):
        return None
    text, evidence = parsed.get("text"), parsed.get("evidence")
    if not isinstance(text, str) or not isinstance(evidence, dict):
        return None
    marks: list[tuple[object, object, str]] = []
    fields = {}
    for name in FIELDS:
        spans = _text_spans(evidence.get(name), len(text))
        if not spans:
            continue
        if _same_field(name, parsed.get(name), getattr(shown, name)):
            fields[name] = FieldEvidence(key=name)
            marks += [(s, e, name) for s, e in spans]
        else:
            fields[name] = FieldEvidence(changed=True)
    read_lines = parsed.get("lines") if isinstance(parsed.get("lines"), list) else []
    line_evidence = evidence.get("lines") if isinstance(evidence.get("lines"), list) else []
    matched = _match_lines(read_lines, shown.lines)
    lines: list[LineEvidence] = []
    files: dict[str, dict[str, None]] = {}  # filename -> keys of its lines, in order
    for index, values in enumerate(shown.lines):
        j = matched.get(index)
        if j is None:
            lines.append(LineEvidence(changed=bool(line_evidence) and not _blank(values)))
            continue
        ev = line_evidence[j] if j < len(line_evidence) and isinstance(line_evidence[j], dict) else {}
        key = f"line-{j}"
        line = LineEvidence(key=key, cells=_cells(ev.get("evidence")))
        marks += [(s, e, key) for s, e in _text_spans(ev.get("evidence"), len(text))]
        for name in LINE_FIELDS:
            spans = _text_spans(ev.get(name), len(text))
            if spans:
                line.parts[name] = f"{key}-{name}"
                marks += [(s, e, f"{key}-{name}") for s, e in spans]
        for cell in line.cells:
            files.setdefault(cell.filename, {})[key] = None
        if not line.cells and not _text_spans(ev.get("evidence"), len(text)):
            line.key, line.parts = None, {}  # read, but nothing to point at
        lines.append(line)
    return PageEvidence(pieces=split(text, marks), fields=fields, lines=lines,
                        files={name: " ".join(keys) for name, keys in files.items()})


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text_spans(spans, size: int) -> list[tuple[int, int]]:
    """The [start, end] spans of a stored evidence list that fall inside a text of `size` code points
    (attachment cells, malformed entries and spans of an older text left out)."""
    if not isinstance(spans, list):
        return []
    return [(s[0], s[1]) for s in spans if isinstance(s, list) and len(s) == 2 and _is_int(s[0])
            and _is_int(s[1]) and 0 <= s[0] < s[1] <= size]


def _cells(spans) -> list[Cell]:
    if not isinstance(spans, list):
        return []
    return [Cell(s[0], s[1] + 1, _column(s[2])) for s in spans
            if isinstance(s, list) and len(s) == 3 and isinstance(s[0], str) and _is_int(s[1]) and _is_int(s[2])
            and s[1] >= 0 and 0 <= s[2] < 18278]  # 18278 columns: A to ZZZ


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _length(column) -> int | None:
    return getattr(column.type, "length", None)


_PART_LENGTH = _length(OrderLine.__table__.c.part_number)
_DESCRIPTION_LENGTH = _length(OrderLine.__table__.c.description)


def _text(value, length: int | None = None) -> str:
    """A value as intake stores it and a form sends it: stripped text, cut to the column."""
    value = "" if value is None else str(value).strip()
    return value[:length] if length else value


def _quantity(value) -> int | None:
    # as intake stores a quantity read from a message: an integer from 1 to 100000
    if value is None or isinstance(value, bool):
        return None
    try:
        return max(1, min(int(value), 100000))
    except (TypeError, ValueError):
        return None


def _same_field(name: str, read, shown) -> bool:
    if name == "urgent":
        return bool(read) == bool(shown)
    return _text(read, _length(Order.__table__.c[name])) == _text(shown, _length(Order.__table__.c[name]))


def _line_values(values) -> tuple[str, str, int | None]:
    part, description, quantity = values
    return _text(part, _PART_LENGTH), _text(description, _DESCRIPTION_LENGTH), _quantity(quantity)


def _blank(values) -> bool:
    part, description, _ = _line_values(values)
    return not part and not description


def _match_lines(read: list, shown: tuple) -> dict[int, int]:
    """Shown line index -> index of the read line it still equals: the same position first, else the first
    equal read line not taken (a line removed above it moves it up). Lines that equal none are left out."""
    read_values = [_line_values((r.get("part_number"), r.get("description"), r.get("quantity")))
                   if isinstance(r, dict) else None for r in read]
    shown_values = [_line_values(v) for v in shown]
    matched = {i: i for i, values in enumerate(shown_values) if i < len(read_values) and read_values[i] == values}
    free: dict[tuple, list[int]] = {}  # values -> indexes of the read lines not taken, last first
    for j in reversed(range(len(read_values))):
        if j not in matched and read_values[j] is not None:
            free.setdefault(read_values[j], []).append(j)
    for i, values in enumerate(shown_values):
        if i not in matched and free.get(values):
            matched[i] = free[values].pop()
    return matched
