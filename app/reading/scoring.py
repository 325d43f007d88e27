"""Compare a parse result with a gold label the way the samples README scores it (used by the tests, the
calibration and `intake corrections export`)."""
from __future__ import annotations

import re

from app.reading.extract.partnumbers import normalise_part_number


def _words(text: str | None) -> set[str]:
    return set(re.findall(r"[^\W_]+", (text or "").lower()))


def _line_key_match(gold: dict, got: dict) -> bool:
    if gold.get("quantity", 1) != got.get("quantity"):
        return False
    if gold.get("part_number"):
        return normalise_part_number(gold["part_number"]) == normalise_part_number(got.get("part_number") or "")
    if got.get("part_number"):
        return False
    g, p = _words(gold.get("description")), _words(got.get("description"))
    return bool(g) and (g <= p or p <= g) and len(g & p) >= max(1, len(g) // 2)


def lines_match(gold_lines: list[dict], got_lines: list[dict]) -> bool:
    if len(gold_lines) != len(got_lines):
        return False
    remaining = list(got_lines)
    for gold in gold_lines:
        hit = next((g for g in remaining if _line_key_match(gold, g)), None)
        if hit is None:
            return False
        remaining.remove(hit)
    return True


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return normalise_part_number(str(a)) == normalise_part_number(str(b))


def compare(gold: dict, got: dict) -> list[str]:
    """Human-readable differences that matter for the bar (empty list = fully right)."""
    diffs: list[str] = []
    if gold["kind"] != got["kind"]:
        diffs.append(f"kind {got['kind']} != {gold['kind']}")
        return diffs
    must = gold.get("must_review", False)
    if must and not got["needs_review"]:
        diffs.append("ambiguous order not sent to review")
        return diffs
    if must:
        return diffs
    if got["needs_review"] and gold["kind"] == "order":
        diffs.append(f"clear order sent to review: {got['review_reasons']}")
    if gold["kind"] == "order" and not lines_match(gold["lines"], got["lines"]):
        diffs.append(f"lines {got['lines']} != {gold['lines']}")
    for key in ("plate", "vin"):
        if key in gold and not _same(gold[key], got[key]):
            diffs.append(f"{key} {got[key]!r} != {gold[key]!r}")
    for key in ("urgent", "fulfilment"):
        if key in gold and gold[key] != got[key]:
            diffs.append(f"{key} {got[key]!r} != {gold[key]!r}")
    for key in ("order_ref", "customer_reference", "language"):
        if key in gold and gold[key] is not None and not _same(gold[key], got[key]):
            diffs.append(f"{key} {got[key]!r} != {gold[key]!r}")
    return diffs


def hard_reasons(reasons) -> list[str]:
    """The written review reasons other than the confidence threshold's own."""
    return [r for r in reasons or [] if not str(r).startswith(("Low confidence", "The order could not be read with "
                                                                 "confidence"))]


def reading_diffs(gold: dict, got: dict) -> list[str]:
    """compare(), where a clear order sent to review only because its confidence is under the threshold counts
    as read right: what the reading says, not where the calibrated threshold sends it."""
    return compare(gold, {**got, "needs_review": bool(got.get("needs_review") and hard_reasons(got.get("review_reasons")))})
