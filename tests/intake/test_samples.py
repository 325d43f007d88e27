"""The bar on the labelled samples in ../shared/samples (or $PARTDESK_SAMPLES)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.reading.parse import parse_file
from tests.intake.scoring import reading_diffs


def _samples_dir() -> Path | None:
    here = Path(__file__).resolve().parents[3] / "shared" / "samples"
    if here.is_dir():
        return here
    env = os.environ.get("PARTDESK_SAMPLES")
    return Path(env) if env and Path(env).is_dir() else None


SAMPLES = _samples_dir()


def _cases() -> list[tuple[Path, dict]]:
    cases = []
    for gold_path in sorted(SAMPLES.glob("*.gold.json")):
        stem = gold_path.name.removesuffix(".gold.json")
        msg = next((p for p in (SAMPLES / f"{stem}.eml", SAMPLES / f"{stem}.sms.txt") if p.exists()), None)
        if msg:
            cases.append((msg, json.loads(gold_path.read_text(encoding="utf-8"))))
    return cases


@pytest.mark.skipif(SAMPLES is None, reason="samples folder not found; set PARTDESK_SAMPLES")
def test_samples_meet_the_bar():
    cases = _cases()
    assert cases, "no samples found"
    report, kind_wrong, clear_total, clear_right, missed_review, wrong_unreviewed = [], 0, 0, 0, 0, 0
    for path, gold in cases:
        got = parse_file(path)
        diffs = reading_diffs(gold, got)
        if gold["kind"] != got["kind"]:
            kind_wrong += 1
        if gold["kind"] == "order" and not gold.get("must_review"):
            clear_total += 1
            clear_right += not diffs
        if gold.get("must_review") and not got["needs_review"]:
            missed_review += 1
        if diffs and not got["needs_review"]:
            wrong_unreviewed += 1
        report.append(f"{'OK ' if not diffs else 'BAD'} {path.name}: {'; '.join(diffs)}")
    summary = (f"kind wrong {kind_wrong}/{len(cases)}; clear orders fully right {clear_right}/{clear_total}; "
               f"ambiguous missed {missed_review}; wrong without review {wrong_unreviewed}")
    print("\n".join(report + [summary]))
    assert kind_wrong == 0, summary + "\n" + "\n".join(report)
    assert clear_right >= clear_total - 1, summary + "\n" + "\n".join(report)
    assert missed_review == 0, summary + "\n" + "\n".join(report)
