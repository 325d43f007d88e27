"""Blind batches (tests/intake/messages/blind*/): messages written with their gold labels before the engine
saw them. The product bar: >= 90% of clear orders fully right without review, and no message wrong without
review (a silent wrong order).

First runs (before fixing; see FIRST_RUN.txt in each folder): blind4, blind5 and blind6 (issue 12) are kept as measures, see
MEASURED below. blind2 15/23 clear orders fully right, 16/41
wrong without review; blind3 (after the blind2 rules) 12/15, 4/26 wrong without review. Now: 23/23 and 15/15,
0 wrong without review."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.reading.parse import parse_file
from tests.intake.scoring import compare, reading_diffs

MESSAGES = Path(__file__).resolve().parent / "messages"
BATCHES = sorted(p for p in MESSAGES.glob("blind*") if p.is_dir())


def score(folder: Path) -> dict:
    report, clear_total, clear_right, wrong_unreviewed, missed_review, kind_wrong = [], 0, 0, 0, 0, 0
    for gold_path in sorted(folder.glob("*.gold.json")):
        stem = gold_path.name.removesuffix(".gold.json")
        msg = next(p for p in (folder / f"{stem}.eml", folder / f"{stem}.sms.txt") if p.exists())
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        got = parse_file(msg)
        diffs = compare(gold, got)
        kind_wrong += gold["kind"] != got["kind"]
        if gold["kind"] == "order" and not gold.get("must_review"):
            clear_total += 1
            clear_right += not reading_diffs(gold, got)  # read right (confidence review allowed)
        missed_review += bool(gold.get("must_review") and not got["needs_review"])
        wrong_unreviewed += bool(diffs and not got["needs_review"])
        report.append(f"{'OK ' if not diffs else 'BAD'} {msg.name}: {'; '.join(diffs)}"
                      + (f"  [review: {got['review_reasons']}]" if diffs and got["needs_review"] else ""))
    return {"report": report, "clear_total": clear_total, "clear_right": clear_right, "kind_wrong": kind_wrong,
            "missed_review": missed_review, "wrong_unreviewed": wrong_unreviewed, "total": len(report)}


def _summary(s: dict) -> str:
    return (f"clear orders fully right {s['clear_right']}/{s['clear_total']}; kind wrong {s['kind_wrong']}/{s['total']}; "
            f"ambiguous missed {s['missed_review']}; wrong without review {s['wrong_unreviewed']}/{s['total']}")


# Batches kept as measures (their first run is in FIRST_RUN.txt): they hold the parser to what it does today
# (clear orders read right at least, wrong without review at most), not to the bar of the tuned batches.
# blind4-6 were read by the parser branch's class fixes (issue 12, reading part): their figures are floors now, no
# longer measures; the first run of the next batch is.
# blind7's first run is in its FIRST_RUN.txt (22/39 clear orders right without review, 7 wrong without review). The
# classes of its failures were then fixed by kind (token roles, doubts that send a reading to review), so it is a
# regression batch now, no longer a measure: the floors are what the batches read after that step; the first run
# of the next batch is the measure.
# blind8's first run is in its FIRST_RUN.txt (23/35 clear orders right without review, 8 wrong without review); its
# failure kinds were then fixed by kind too (replies that only ask or cancel, two items on one line, Swedish 'o',
# either/or suffixes, standing urgency notices, terms lines, tyre sizes, mixed-language texts, token roles), so it is
# a regression batch now as well: 32 read right, none wrong.
# blind10's first run (parser at e26426a, nothing tuned on it since): 23/42 clear orders right without review (55%),
# 5/64 wrong without review (7.8%), 12/12 ambiguous flagged. Its failure kinds were then fixed by kind (fulfilment in
# word forms the lexicons lacked, and a doubt when a word that may say how the parts go is read as neither; a code
# named with the vehicle also at a sentence's end; engine-code families by make; clock times in words; a reference
# labelled with the word for an order), so it is a regression batch now: 36 read right, none wrong.
# blind11's first run (parser at a2fb5b5, nothing tuned on it): 26/42 clear orders right without review (62%), 29 read
# right, 1/64 wrong without review (1.6%), 12/12 ambiguous flagged. Its failure kinds were then fixed by kind (a number
# wrapped onto the next line, a title in the signature, a column about the car, Finnish work orders and a job named
# by a name, an engine code after the displacement), so it is a regression batch now: 37 read right, none wrong.
# blind12's first run (parser at 256dc5f, nothing tuned on it): 23/42 clear orders right without review (55%), 27 read
# right, 7/64 wrong without review (10.9%), 12/12 ambiguous flagged. A few kinds were then fixed (a Bosch number
# wrapped after its seventh digit, 'reg nummer', second parts named after '+'/'und' that were no part nouns, a
# question about our order's parts): 32 read right, 1 wrong (a plate given only in a CSV); then a duration in 'mins', a
# clock time '16h30', a British postcode, 'alle 4 cilinders' repeating the count, a consumable on its own line in the
# list: 37 read right.
# blind13's first run (parser at c1cbae2, nothing tuned on it; its writers were asked for vans, trailers, body shops,
# lights, A/C and motorbikes, ground the earlier batches barely covered): 9/42 clear orders right without review
# (21%), 13 read right, 2/64 wrong without review (3.1%), 12/12 ambiguous flagged.
# blind14's first run (parser at 554e03d, nothing tuned on it; winter service on passenger cars, and engine and
# drivetrain work): 26/42 clear orders right without review (62%), 33 read right, 3/64 wrong without review (4.7%),
# 12/12 ambiguous flagged.
# blind15 (32 messages, everyday service on family cars) was run once at 1baf6b2 and not tuned on: 15/21 clear orders
# right without review, 17 read right, 1/32 wrong without review, 6/6 ambiguous flagged; still a measure.
# blind16's first run (parser at 8030790, nothing tuned on it; vans and fleets, and electrical work on older and premium
# cars): 23/42 clear orders right without review (54%), 26 read right, 2/64 wrong without review (3.1%), 12/12
# ambiguous flagged (one of the two wrongs was a label error, AH31, fixed after the run: 1/64). Its kinds were then fixed
# (battery ratings and range codes, a fault code, a van's weight class, fleets listed plate by plate, models the
# lexicon lacked, a singular can), so it is a regression batch now: 39 read right, none wrong.
# blind17's first run (parser at 83a0760, after blind16's kinds; terse city workshops and formal chain mails): 20/42
# clear orders right without review (47%), 23 read right, 4/64 wrong without review (6.2%), 12/12 ambiguous flagged.
# Its kinds were then fixed (a filter's KL prefix, a suffix that reads like an abbreviation, a maker's four-digit
# article, position abbreviations, a part's own 'réf.', a sentence pointing at the attachment, plates heading their
# lines on the same line, a position column, a repair that is no correction): 39 read right, 1 wrong.
# blind18's first run (parser at 4597a0b, after blind17's kinds and the confidence refit; rural workshops with slang and
# mixed languages, and dealer service departments): 16/42 clear orders right without review (38%), 20 read right, 1/64
# wrong without review (1.6%), 12/12 ambiguous flagged. Some kinds were then fixed (electric cars' models and chassis
# codes, engine badges, a charging plug, an oil maker's spec, a correction that says new count, part and old count):
# 27 read right, 2 wrong (AL24's dialect correction 'nur oan Riemen'; AM17's cable read without its bracketed size).
# blind19's first run (parser at e39f3dd, after blind18's kinds; a busy Monday's mix, and orders written in a second
# language): 30/42 clear orders right without review (71%), 34 read right, 1/64 wrong without review (1.6%), 12/12
# ambiguous flagged. Some kinds were then fixed (a plate after a model name the lexicon lacks, an engine code in the
# vehicle's brackets with the year, a counted item after '+', a part-number cell read in pieces, 'vores ordre'):
# a regression batch now.
# blind20's first run (parser at 2cf041f, after blind19's kinds; the first cold week's fleets, and office staff
# pasting carts and tables): 23/41 clear orders right without review (56%), 30 read right, 2/64 wrong without review
# (3.1%), 12/13 ambiguous flagged. Kinds then fixed: Dutch cancellations and 'kenmerk', a photo list asked for in a
# reply, descriptions that keep a question's lead or what the part is for, a brand's product line counted as
# foreign words.
# blind21's first run (parser at 112cbb9, after blind20's kinds; a busy Friday's body shops, EVs and bikes, and larger
# workshops with several cars, returns and parts for later): 19/42 clear orders right without review (45%), 22 read
# right, 4/64 wrong without review (6.2%), 10/12 ambiguous flagged. The silent wrong kinds were then fixed (a filter
# number that looks like a year, a bike's model after its make, 'same as last Friday', a subject that counts a part
# otherwise than the text).
# blind22's first run (parser at fc84bc6, after blind21's kinds; small-town garages with older cars, and the outage
# itself: replies to the chain's notice, templates, VOR): 22/42 clear orders right without review (52%), 27 read
# right, 4/64 wrong without review (6.2%), 9/12 ambiguous flagged. The silent wrong kinds were then fixed (a count
# left open after a dash, one set for 'both cars', a notice's subject over an order, a Finnish plate in a Swedish
# mail).
# blind23's first run (parser at 63cd8cc, after blind22's kinds; truck, bus and van workshops, and city workshops'
# service jobs): 18/41 clear orders right without review (44%), 24 read right, 2/64 wrong without review (3.1%), 13/13
# ambiguous flagged. The silent wrong kinds were then fixed (a model number with a unit, a line removed from an order).
# blind24's first run (parser at 0a70e8a, after blind23's kinds; an ordinary weekday in eight countries, and messages
# easy to misread): 33/41 clear orders right without review (80%), 35 read right, 1/64 wrong without review (1.6%),
# 12/12 ambiguous flagged; nothing tuned on it: a measure.
# (clear orders read right, wrong without review), raised to what each batch reads now
MEASURED = {"blind4": (41, 0), "blind5": (40, 0), "blind6": (41, 0), "blind7": (36, 0), "blind8": (33, 0),
            "blind9": (27, 1), "blind10": (39, 0), "blind11": (40, 0), "blind12": (39, 0), "blind13": (38, 0),
            "blind14": (39, 0), "blind15": (19, 0), "blind16": (41, 0), "blind17": (40, 0), "blind18": (32, 2),
            "blind19": (38, 0), "blind20": (37, 0), "blind21": (29, 1), "blind22": (33, 0), "blind23": (29, 0),
            "blind24": (35, 1)}


@pytest.mark.parametrize("folder", BATCHES, ids=[b.name for b in BATCHES])
def test_blind_batch_meets_the_bar(folder):
    s = score(folder)
    text = _summary(s) + "\n" + "\n".join(s["report"])
    assert s["total"], "empty batch"
    if folder.name in MEASURED:
        least_right, most_wrong = MEASURED[folder.name]
        assert s["clear_right"] >= least_right and s["wrong_unreviewed"] <= most_wrong, text
        return
    assert s["clear_right"] >= 0.9 * s["clear_total"], text
    assert s["wrong_unreviewed"] == 0, text


if __name__ == "__main__":
    for b in BATCHES:
        s = score(b)
        print(f"== {b.name}\n" + "\n".join(s["report"]) + "\n" + _summary(s))
