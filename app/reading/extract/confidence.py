"""Confidence as a measured probability: the chance that a reading is fully right, computed from how the
reading was explained (every code-like token accounted for, lines well-formed, numbers in known formats,
catalogue confirmation) and from the quality of each line and of the whole reading (line_quality.quality) by a
logistic model whose weights are fitted on the labelled messages (`flask --app app intake calibrate`, which
writes lexicons/confidence_model.json and prints leave-one-batch-out figures and the reliability table).
THRESHOLD is chosen there on out-of-sample scores so that what is accepted without review is at least 98% fully
right."""
from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path

from app.reading.extract.line_quality import _greeting_line, _self_supplied, names_a_part, not_wanted, quality
from app.reading.extract.lexicon import common, words


_DIR = Path(__file__).resolve().parent.parent / "lexicons"
MODEL_FILE = _DIR / "confidence_model.json"

# Weights before fitting: what each piece of evidence should do to the odds (used when no fitted model exists, and
# the weights the fit is pulled towards). The labelled messages carry no catalogue or workshop history, so those two
# keep these values: a number the catalogue or the workshop's accepted orders confirm is strong evidence (the part
# number is the field a reading gets wrong most; a catalogue that knows it settles it, so it outweighs two lines
# without a description).
PRIOR = {
    "bias": 3.2, "hard_reasons": -3.0, "unexplained": -1.6, "conflicts": -2.2, "lines": -0.05,
    "default_qty_frac": -0.4, "desc_digit": -0.9, "desc_conj": -0.9, "pn_grammar_frac": 0.8, "reply": -0.3,
    "uncovered_nouns": -0.9, "catalogue_confirmed": 3.0, "catalogue_missing": -0.8, "no_lines": -3.0,
    "history_confirmed": 2.0, "table_lines": -0.3, "ref_unread": -0.8, "ref_wordy": -0.5,
    # the quality of each line and of the reading as a whole (line_quality.quality)
    "foreign_lines": -0.3, "shared_chunk": -0.5, "crowded_line": -0.2, "desc_junk": -0.5, "brand_ok_frac": 0.5,
    "listy_unread": -0.8, "weak_tokens": -0.2, "fulfilment_none": -0.2, "desc_numword": -0.5, "desc_no_noun": -0.3,
    "desc_none": -0.2, "ref_tail": -0.5, "pn_gap": -3.0,
    "fulfilment_unread": -0.3, "missed_line": -1.5, "desc_sentence": -1.0, "stray_unexplained": -0.5, "sentence_among_numbered": -1.5,
}


@cache
def _model() -> dict:
    try:
        with open(MODEL_FILE, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return {"weights": PRIOR, "threshold": 0.6}


def weights() -> dict[str, float]:
    return {**PRIOR, **_model()["weights"]}


THRESHOLD: float = float(_model().get("threshold", 0.6))


@cache
def _grammar() -> re.Pattern:
    with open(_DIR / "part_grammar.json", encoding="utf-8") as fh:
        formats = json.load(fh)["formats"]
    return re.compile("|".join(f"(?:{v})" for k, v in formats.items()
                               if k not in ("code", "oe_dashes", "oe_dots", "ngk", "febi", "textar")), re.I)


def fits_grammar(part_number: str) -> bool:
    """Whether the number fits one of the brands' formats (the generic 'code', dash and dot shapes excluded)."""
    return bool(_grammar().fullmatch(part_number.strip()))


@cache
def _ref_label() -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{'|'.join(words('reference_labels'))})(?![^\W\d_])", re.I)


@cache
def _conj() -> re.Pattern:
    return re.compile(rf"(?<!\w)(?:{'|'.join(words('conjunctions'))})(?!\w)|\+|&", re.I)


# a kit named last before a '+' ('timing belt kit + water pump'): what follows is what the kit holds
KIT_END = re.compile(r"(?:kit|set|sett|satz|sats|sæt|sarja|setti|jeu|stel|distribution|kit\s\w+)\s*$", re.I)
_KIT_PLUS = re.compile(r"(?:kit|set|sett|satz|sats|sæt|sarja|setti|jeu|stel|distribution|kit\s\w+)\s*\+", re.I)


_BRACKETS = re.compile(r"\([^()\n]*\)")


@cache
def _price_in_line() -> re.Pattern:
    cur = "|".join(common("currency"))
    return re.compile(rf"\d\s?(?:{cur})(?!\w)|(?<!\w)(?:{cur})\s?\d|\d,-", re.I)


def _said_of_the_job(line: str, *, is_subject: bool) -> bool:
    """A line naming a part that is no order line missed: the subject (it names the job), a line that opens a list
    ('Vi skal bruge bremser bag til en Octavia:'), a price agreed ('Pris som aftalt: 1.145,- pr. skive'), or what
    the workshop has itself or does not need ('Olje har vi selv (4,6 l 5W-30)'). Measured on the first runs of the
    blind batches: counting these held read-right orders back and did not catch the wrong ones."""
    stripped = line.strip()
    return (is_subject or stripped.endswith(":") or bool(_price_in_line().search(stripped))
            or not_wanted(stripped) or _greeting_line(stripped) or _asks_a_price(stripped))


def _on_a_line_not_wanted(text: str, at: int) -> bool:
    """The token stands on a line that says its part is for later, going back or the workshop's own ('Fjærene bak
    tar vi senere ... 994 517'): a number named, and rightly not read into a line."""
    line = text[text.rfind("\n", 0, at) + 1:(text.find("\n", at) + 1 or len(text) + 1) - 1]
    return not_wanted(line) or _asks_a_price(line)


def _asks_a_price(line: str) -> bool:
    """'Ka koste ei clutchsett te den? Sachs 3000 951 094 ...': a line that asks what a part costs."""
    from app.reading.extract.lexicon import pattern

    return "?" in line and bool(pattern("price_question").search(line))


def features(pm, items, books, doc, *, is_reply: bool, confirmed: tuple[int, int] | None,
             hard_reasons: int) -> dict[str, float]:
    """The evidence a reading rests on, as numbers (each roughly 0 to 1, counts capped)."""
    n = len(items)
    pns = [i.part_number for i in items if i.part_number]
    descs = [i.description or "" for i in items]
    covered = [sp for i in items for sp in i.spans.get("chunk", []) + i.spans.get("line", [])]
    uncovered, pos = 0, 0
    text = pm.evidence_text
    for k, line in enumerate(text.split("\n")):
        start, pos = pos, pos + len(line) + 1
        if (line.strip() and names_a_part(line) and not any(s < start + len(line) and start < e for s, e in covered)
                and not _said_of_the_job(line, is_subject=k == 0 and bool(pm.subject))):
            uncovered += 1
    found, missing = confirmed or (0, 0)
    return {
        "bias": 1.0,
        "hard_reasons": float(min(hard_reasons, 3)),
        "unexplained": float(min(len(books.unexplained), 3)),
        "conflicts": float(min(len(books.conflicts), 3)),
        "lines": float(min(n, 10)),
        "default_qty_frac": sum(not i.quantity.explicit for i in items) / n if n else 0.0,
        "desc_digit": float(min(sum(bool(re.search(r"\d", d)) for d in descs), 3)),
        # a conjunction in brackets lists what one part holds ('kit protection (butées + soufflets)')
        "desc_conj": float(min(sum(bool(_conj().search(_BRACKETS.sub(" ", i.description or "")))
                                   and not _KIT_PLUS.search(i.literal or "")
                                   for i in items), 3)),
        "pn_grammar_frac": sum(fits_grammar(p) for p in pns) / len(pns) if pns else 0.0,
        "reply": float(bool(is_reply)),
        "uncovered_nouns": float(min(uncovered, 3)),
        "catalogue_confirmed": found / len(pns) if pns else 0.0,
        "catalogue_missing": missing / len(pns) if pns else 0.0,
        "no_lines": float(n == 0),
        "history_confirmed": 0.0,  # set by the pipeline from the workshop's accepted orders (rescore)
        "table_lines": float(any(i.spans.get("line") or i.spans.get("cells") for i in items)),
        "ref_unread": float(not pm.customer_reference and bool(_ref_label().search(text))),
        "ref_wordy": float(bool(pm.customer_reference and re.search(r"[^\W\d_]{3,}", pm.customer_reference))),
        # a number away from the lines that nothing explains ('Arb.ordre 40917' unread): a reference or a line missed
        "stray_unexplained": float(min(sum(bool(re.fullmatch(r"[A-Za-z]{0,3}[-/]?\d{3,10}", t.text.strip(".,:;()")))
                                           and not _on_a_line_not_wanted(text, t.start)
                                           for t in books.stray_unexplained), 2)),
        **quality(pm, items, books),
    }


def rescore(pm, *, history_confirmed: float) -> float:
    """The confidence again once the workshop's history is known: `history_confirmed` is the share of the
    order's part numbers this workshop has had accepted before (0 to 1). Updates and returns pm.confidence."""
    if pm.features:
        pm.features["history_confirmed"] = float(history_confirmed)
        pm.confidence = score(pm.features)
    return pm.confidence


def score(f: dict[str, float], w: dict[str, float] | None = None) -> float:
    w = w or weights()
    z = sum(w.get(k, 0.0) * v for k, v in f.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


