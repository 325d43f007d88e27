"""Order lines laid out as tables: CSV and XLSX rows, text tables (from HTML or typed with tabs and pipes), tables
with one cell per line, and blocks pasted from a web shop. Each row becomes an Item with its evidence."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from app.reading.extract.lexicon import common
from app.reading.extract.partnumbers import find_part_numbers, is_ean13, normalise_part_number
from app.reading.extract.line_quality import not_wanted
from app.reading.extract.quantities import Quantity
from app.reading.extract.signals import mask
from app.reading import reasons as R
from app.reading.reasons import say


@dataclass
class Item:
    part_number: str | None
    description: str | None
    quantity: Quantity
    alternative: str | None = None
    source: str = "text"
    literal: str = ""
    numeric_cell: bool = False
    brand_only: bool = False
    flags: list[str] = field(default_factory=list)
    # (code, reason): a part number in a table cell that no column was read from
    unread_codes: list[tuple[str, str]] = field(default_factory=list)
    # Evidence: for "part_number", "quantity" and "description", the (start, end) spans in the text that was
    # read (offsets into the masked text given to items_from_text), or ("file", row, col) cells of a table.
    spans: dict[str, list] = field(default_factory=dict)
    row: int | None = None  # the table row (0-based) an attachment line came from

    def shifted(self, offset: int) -> "Item":
        self.spans = {k: v if k == "cells" else [(s + offset, e + offset) for s, e in v]
                      for k, v in self.spans.items()}
        return self


_CELL_SPLIT = re.compile(r"\s{2,}|\t|\s*\|\s*|\s*;\s*")


@cache
def _header_cell() -> dict[str, re.Pattern]:
    out = {}
    for key in ("table_part_headers", "table_desc_headers", "table_qty_headers", "table_brand_headers"):
        out[key] = re.compile(rf"(?:{'|'.join(common(key))})\s*[:.]?", re.I)
    return out


def _header_kind(cell: str) -> str | None:
    cell = cell.strip().strip("*:").strip()
    if not cell or len(cell) > 30:
        return None
    h = _header_cell()
    if re.fullmatch(r"ean(?:-?(?:13|kode|code|nr|nummer))?\.?", cell, re.I):
        return "ean"
    # 'Art.-Nr.', 'Teile-Nr', 'Best.-Nr.': an abbreviation's dash before 'Nr' is a space as the lexicon writes it
    spelled = (cell, re.sub(r"\.?-(?=nr|no|nummer)", ". ", cell, flags=re.I),
               re.sub(r"-(?=nr|no|nummer)", " ", cell, flags=re.I))
    for key, kind in (("table_qty_headers", "qty"), ("table_part_headers", "part"), ("table_desc_headers", "desc"),
                      ("table_brand_headers", "brand")):
        if any(h[key].fullmatch(c) for c in spelled):
            return kind
    return None


def _wordy(cell: str) -> bool:
    """'Castrol Edge 5W-30, 5 liter' in a part-number column: words, not a number."""
    return len(re.findall(r"[^\W\d_]{4,}", cell)) >= 2 or len(cell.split()) > 4


def _int_cell(cell: str) -> int | None:
    m = re.fullmatch(r"\s*(\d{1,3})(?:[.,]0+)?\s*(?:stk|st|kpl|pcs|x|stück|stuks|sett|sæt|sats|satz|set|jeu|kit|"
                     r"sarja|par|paar|pair)?\.?\s*", cell or "", re.I)  # '2 sett' in a count column: 2
    return int(m.group(1)) if m else None


def items_from_rows(rows: list[list[str]], source: str, numeric_cells=frozenset()) -> list[Item]:
    """Order lines from a table (CSV, XLSX or a text table): header found by its words, or columns guessed."""
    header_at, cols = None, {}
    for i, row in enumerate(rows[:15]):
        kinds = [_header_kind(c) for c in row]
        named = [k for k in kinds if k]
        if len(named) >= 2 and ("part" in named or "ean" in named or "qty" in named):
            header_at = i
            for col, kind in enumerate(kinds):
                if kind and kind not in cols:
                    cols[kind] = col
            parts = [col for col, kind in enumerate(kinds) if kind == "part"]
            if len(parts) > 1:
                # 'Item | Part no. | ...': a position column counting 1, 2, 3 is no part number's column
                body = rows[i + 1:i + 16]
                numbered = [col for col in parts if all(re.fullmatch(r"\d{1,2}", (r[col] if col < len(r) else "").strip())
                                                        for r in body if any(c.strip() for c in r) and col < len(r)
                                                        and (r[col] or "").strip())]
                cols["part"] = next((col for col in parts if col not in numbered), parts[0])
            break
    start = header_at + 1 if header_at is not None else 0
    if header_at is None:
        cols = _guess_columns(rows)
        if "part" not in cols:
            return []
    total = re.compile(rf"^\s*(?:{'|'.join(common('total_words'))})\b", re.I)
    items: list[Item] = []
    for r in range(start, len(rows)):
        row = rows[r]
        if not any(c.strip() for c in row):
            continue

        def cell(kind: str) -> str:
            col = cols.get(kind)
            return row[col].strip() if col is not None and col < len(row) else ""

        if any(total.match(c) for c in row) and not find_part_numbers(cell("part"), context=True):
            continue
        raw_pn, raw_ean = cell("part"), cell("ean")
        pn = None
        if raw_pn:
            found = find_part_numbers(raw_pn, context=True)
            pn = found[0].text if found else (raw_pn if re.search(r"\d", raw_pn) and not _wordy(raw_pn) else None)
            if found and _whole_cell_code(raw_pn, found):
                pn = raw_pn  # 'HU 12 140 x' in the part-number column: the cell is the number, not 'HU 12' of it
        if pn is None and raw_ean and is_ean13(raw_ean):
            pn = raw_ean
        desc = " ".join(x for x in (cell("desc"), cell("brand")) if x) or None  # 'Pakning ventildeksel Elring'
        if pn is None and raw_pn and desc is None:
            desc = raw_pn
        qty_text = cell("qty")
        q = _int_cell(qty_text)
        if pn is None and (desc is None or q is None):
            continue
        if pn is None and not_wanted(desc):
            continue  # 'Dekkene tar vi fra dekkhotellet, de skal ikke bestilles': named in the list, not ordered
        und = re.fullmatch(r"\s*(\d{1,3})\s*(?:-|–|/|or|eller|oder|ou|of|tai)\s*(\d{1,3})\s*", qty_text, re.I)
        quantity = Quantity(int(und.group(1)), [], True, qty_text) if und else Quantity(q or 1, [], q is not None, None)
        numeric = cols.get("part") is not None and (r, cols["part"]) in numeric_cells and not is_ean13(pn or "")
        cells = [(kind, cols[kind]) for kind in ("part", "ean", "desc", "qty") if cols.get(kind) is not None
                 and cols[kind] < len(row) and row[cols[kind]].strip()]
        item = Item(pn, desc, quantity, source=source, literal=" | ".join(c for c in row if c),
                    numeric_cell=numeric, row=r, spans={"cells": [(r, c, k) for k, c in cells]})
        item.unread_codes = _unread_codes(row, rows[header_at] if header_at is not None else None, cols, pn)
        items.append(item)
    return items


def _whole_cell_code(cell: str, found) -> bool:
    """The part-number cell holds one code and nothing else: the grammar read it as pieces joined by single blanks
    ('HU 12 140 x' as 'HU 12' and '140 x'), or left more digits or a suffix letter beside what it read. Not when
    a word, a brand or a separator ('/', 'eller') stands between."""
    cell = cell.strip()
    pieces, pos = [], 0
    for f in found:
        pieces.append(cell[pos:f.start])
        pos = f.end
    pieces.append(cell[pos:])
    inner, edges = pieces[1:-1], (pieces[0] + " " + pieces[-1]).strip()
    return (len(found) > 1 or bool(edges)) and all(p == " " for p in inner) \
        and bool(re.fullmatch(r"[\d\s.-]*(?:\s?[A-Za-z]{1,2})?", edges))


@cache
def _aside_header() -> re.Pattern:
    return re.compile(rf"(?:{'|'.join(common('table_aside_headers'))})\s*[:.]?", re.I)


def _unread_codes(row: list[str], header: list[str] | None, cols: dict[str, int],
                  pn: str | None) -> list[tuple[str, str]]:
    """Cells of a row that no column was read from and that hold a part number ('A 651 180 01 09' under a header
    that was not recognised): the line was read without it, so say so rather than accept the line."""
    used = set(cols.values())
    aside = _aside_header()
    out = []
    for c, value in enumerate(row):
        value = value.strip()
        if c in used or not re.search(r"\d", value) or (pn and normalise_part_number(value) == normalise_part_number(pn)):
            continue
        if header and c < len(header) and aside.fullmatch(header[c].strip().strip("*:").strip()):
            continue  # 'Fordon: D4204T', 'Pris', 'Dato': the car, the price, the date, not the line's number
        found = find_part_numbers(value, context=True)
        if found:
            column = header[c].strip() if header and c < len(header) and header[c].strip() else ""
            out.append((found[0].text, say(R.UNREAD_CELL_COLUMN, code=found[0].text, column=column) if column
                        else say(R.UNREAD_CELL, code=found[0].text)))
    return out


def _guess_columns(rows: list[list[str]]) -> dict[str, int]:
    width = max((len(r) for r in rows), default=0)
    code, ints, text = [0] * width, [0] * width, [0] * width
    for row in rows[:50]:
        for c, value in enumerate(row):
            if _int_cell(value) is not None:
                ints[c] += 1
            elif find_part_numbers(value, context=True):
                code[c] += 1
            elif re.search(r"[^\W\d_]{3,}", value):
                text[c] += 1
    cols: dict[str, int] = {}
    if width and max(code) > 0:
        cols["part"] = code.index(max(code))
        rest = [c for c in range(width) if c != cols["part"]]
        if rest and max(ints[c] for c in rest) > 0:
            cols["qty"] = max(rest, key=lambda c: ints[c])
        rest = [c for c in rest if c != cols.get("qty")]
        if rest and max(text[c] for c in rest) > 0:
            cols["desc"] = max(rest, key=lambda c: text[c])
    return cols


def _text_table(lines: list[tuple[int, str]]) -> tuple[list[list[str]], set[int]] | None:
    """A table laid out in text (from HTML by inscriptis, or typed with tabs/pipes): rows of cells by the
    header's column positions, and the indexes of the lines it used."""
    for idx, (_, line) in enumerate(lines):
        cells = [c for c in _CELL_SPLIT.split(line.strip()) if c]
        kinds = [_header_kind(c) for c in cells]
        if len([k for k in kinds if k]) < 2 or len(cells) < 2:
            continue
        starts = [m.start() for m in re.finditer(r"(?:(?<=\s\s)|(?<=\t)|(?<=\|)|(?<=;)|^)\s*\S", line)]
        starts = [s + (len(line[s:]) - len(line[s:].lstrip())) for s in starts][:len(cells)]
        rows = [cells]
        used = {idx}
        for j in range(idx + 1, len(lines)):
            text = lines[j][1]
            if not text.strip():
                used.add(j)
                continue
            parts = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", text)]
            if "\t" in text or "|" in text or ";" in text:
                parts = [(0, c) for c in _CELL_SPLIT.split(text.strip())]
                row = [c.strip() for c in parts[0:1][0:0]] + [c for _, c in parts]
            else:
                if len(parts) < 2:
                    break
                row = [""] * len(starts)
                if kinds[0] == "part" and not find_part_numbers(parts[0][1], context=True) and re.search(
                        r"[^\W\d_]{4,}", parts[0][1]) and len(parts) < len(starts):
                    # a row with no number whose cells the HTML-to-text layout moved left: they fill the columns
                    # after the number's, in order ('Viskerblader foran   2 sett', 'Screenwash concentrate -20°C 5L  6')
                    for k, (_, value) in enumerate(parts):
                        col = min(k + 1, len(starts) - 1)
                        row[col] = (row[col] + " " + value).strip()
                    rows.append(row)
                    used.add(j)
                    continue
                for pos, value in parts:
                    col = max((k for k, s in enumerate(starts) if s <= pos + 2), default=0)
                    row[col] = (row[col] + " " + value).strip()
            rows.append(row)
            used.add(j)
        while used and not lines[max(used)][1].strip():
            used.discard(max(used))
        return rows, used
    return None


def _vertical_table(lines: list[tuple[int, str]]) -> list[tuple[Item, set[int]]]:
    """A table whose cells each stand on a line of their own (an HTML table in Outlook's plain part): header
    cells one per line ('Varenr.', 'Beskrivelse', 'Antal', 'Pris'), then the values row by row, as many lines a
    row as there are headers, up to a blank line. A masked cell (a price) still holds its line."""
    label_like = re.compile(r"[^\W\d_][^\d:]{0,30}")
    for idx in range(len(lines) - 1):
        if _header_kind(lines[idx][1]) is None or _header_kind(lines[idx + 1][1]) is None:
            continue
        if idx and lines[idx - 1][1].strip() and label_like.fullmatch(lines[idx - 1][1].strip()):
            continue  # not the first header line
        head = idx
        while head < len(lines) and lines[head][1].strip() and label_like.fullmatch(lines[head][1].strip()) \
                and len(lines[head][1].split()) <= 3:
            head += 1
        headers = [lines[i][1].strip() for i in range(idx, head)]
        kinds = [_header_kind(h) for h in headers]
        width = len(headers)
        if width < 2 or "part" not in kinds or not ({"qty", "desc"} & set(kinds)):
            return []
        rows, used, spans, j = [headers], set(range(idx, head)), [], head
        spaced = j < len(lines) and lines[j][1] == ""  # one blank line after the header and after each row
        while True:
            if spaced and j < len(lines) and lines[j][1] == "":
                j += 1
            if not (j + width <= len(lines) and all(lines[k][1] != "" for k in range(j, j + width))):
                break
            if spaced and j + width < len(lines) and lines[j + width][1] != "":
                break  # not a row of `width` cells with a blank after it
            rows.append([lines[k][1].strip() for k in range(j, j + width)])
            spans.append((lines[j][0], lines[j + width - 1][0] + len(lines[j + width - 1][1])))
            used |= set(range(j, j + width))
            j += width
        if len(rows) < 2:
            return []
        out = []
        for item in items_from_rows(rows, "text"):
            if item.row is not None and 1 <= item.row <= len(spans):
                item.spans = {"line": [spans[item.row - 1]]}
                out.append((item, used))
        return out
    return []


_LABELLED = re.compile(r"^\s*(?P<label>[^\W\d_][^:\n]{0,24}?)\s*:\s*(?P<value>\S.*?)?\s*$")  # a masked value: none


_RULE = re.compile(r"\s*[-=_*#~–—]{3,}\s*")


def _labelled_blocks(lines: list[tuple[int, str]], used: set[int]) -> list[tuple[Item, set[int]]]:
    """Blocks pasted from a web shop: a title, then 'Varenr: KP15656XS-1', 'Lagerstatus: 12 stk på lager',
    'Pris: 2 495,00 kr', 'Antall: 1'. A block of lines between blank lines with a part-number label and a
    quantity label is one order line: its number and count from those labels, its description from the lines
    without a label (the number taken out); stock, price and other labelled lines are not read."""
    out, block = [], []
    for idx in range(len(lines) + 1):
        # a rule of dashes ('-----------') parts blocks as a blank line does
        if idx < len(lines) and idx not in used and lines[idx][1].strip() and not _RULE.fullmatch(lines[idx][1]):
            block.append(idx)
            continue
        if len(block) >= 3:
            item = _labelled_block(lines, block)
            if item:
                out.append((item, set(block)))
        block = []
    return out


def _labelled_block(lines: list[tuple[int, str]], block: list[int]) -> Item | None:
    fields, plain = {}, []
    for idx in block:
        m = _LABELLED.match(lines[idx][1])
        kind = _header_kind(m.group("label")) if m else None
        if kind in ("part", "ean", "qty", "desc"):
            fields.setdefault(kind, (idx, m))
        elif not m:
            plain.append(idx)
    # 'Varenr: 04152-YZZA6' / 'Tekst: Oljefilterinnsats' / 'Antall: 1': a form's block, its description labelled too
    if "desc" in fields and not plain and (fields["desc"][1].group("value") or "").strip():
        plain = [fields["desc"][0]]
    if "qty" not in fields or not ({"part", "ean"} & set(fields)) or not plain:
        return None
    idx, m = fields.get("part") or fields["ean"]
    value = m.group("value") or ""
    found = find_part_numbers(value, context=True)
    pn = found[0].text if found else (value if re.search(r"\d", value) and not _wordy(value) else None)
    q = _int_cell(fields["qty"][1].group("value") or "")
    if pn is None or q is None:
        return None
    key = normalise_part_number(pn)
    words_ = []
    for i in plain:
        text = lines[i][1]
        if "desc" in fields and i == fields["desc"][0]:
            text = fields["desc"][1].group("value") or ""
        same = [(p.start, p.end) for p in find_part_numbers(text, context=True) if normalise_part_number(p.text) == key]
        words_.append(mask(text, same))
    desc = re.sub(r"\s+", " ", " ".join(words_)).strip() or None
    start, end = lines[block[0]][0], lines[block[-1]][0] + len(lines[block[-1]][1])
    return Item(pn, desc, Quantity(q, [], True, None), literal=" | ".join(lines[i][1].strip() for i in block),
                spans={"line": [(start, end)]})
