"""Fit and measure the parser's confidence on labelled messages (a folder of *.eml / *.sms.txt with *.gold.json).

`flask --app app intake calibrate [DIR ...]` reads every labelled message, takes "fully right" as the samples
scorer does (as if the order were accepted without review), fits the logistic weights of
`app.reading.extract.confidence` (L2 pulled towards the prior weights, so a few hundred messages cannot run away
with them), chooses the review threshold so that what would be accepted is at least 98% fully right, and prints a
reliability table: confidence bands x messages x fully right, from 5-fold cross-validation (each message scored by
weights fitted without it) and in-sample. `--write` stores the weights and threshold."""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import click

from app.reading.extract import confidence
from app.reading.parse import channel_for, parse_bytes
from app.reading.scoring import compare

TARGET = 0.98
BANDS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0001)


@dataclass
class Case:
    name: str
    features: dict[str, float]
    right: bool        # fully right if accepted as read
    hard: bool         # sent to review by a written reason, whatever the confidence
    is_order: bool     # read as an order (confidence decides only those)
    gold_kind: str
    must_review: bool


def labelled_files(dirs: list[Path]) -> list[tuple[Path, Path]]:
    out = []
    for d in dirs:
        for gold in sorted(d.glob("*.gold.json")):
            stem = gold.name.removesuffix(".gold.json")
            msg = next((p for p in (d / f"{stem}.eml", d / f"{stem}.sms.txt") if p.exists()), None)
            if msg:
                out.append((msg, gold))
    return out


def default_dirs(root: Path) -> list[Path]:
    """Every labelled folder of the repository: the shared samples and tests/intake/messages with its batches."""
    msgs = root / "tests" / "intake" / "messages"
    dirs = [root.parent / "shared" / "samples", msgs, *sorted(p for p in msgs.glob("*") if p.is_dir())]
    return [d for d in dirs if d.is_dir()]


def cases(files: list[tuple[Path, Path]]) -> list[Case]:
    out = []
    for msg, gold_path in files:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        pm = parse_bytes(msg.read_bytes(), channel_for(msg))
        got = pm.to_dict()
        accepted = {**got, "needs_review": False}
        right = not compare(gold, accepted)
        hard = bool(pm.review_reasons) and not all(r.startswith("Low confidence") for r in pm.review_reasons)
        out.append(Case(f"{msg.parent.name}/{msg.name}", pm.features, right, hard, pm.kind == "order",
                        gold["kind"], bool(gold.get("must_review"))))
    return out


def fit(train: list[Case], *, l2: float = 1.0, steps: int = 600, rate: float = 0.05) -> dict[str, float]:
    """MAP logistic regression: log-likelihood of `right` minus l2/2 * |w - prior|^2 (full-batch gradient)."""
    prior = dict(confidence.PRIOR)
    w = dict(prior)
    data = [c for c in train if c.is_order and c.features]
    if not data:
        return w
    keys = sorted(prior)
    for _ in range(steps):
        grad = {k: 0.0 for k in keys}
        for c in data:
            p = confidence.score(c.features, w)
            err = (1.0 if c.right else 0.0) - p
            for k in keys:
                grad[k] += err * c.features.get(k, 0.0)
        for k in keys:
            w[k] += rate * (grad[k] - l2 * (w[k] - prior[k])) / math.sqrt(len(data))
    return w


def cross_validated(all_cases: list[Case], folds: int = 5, seed: int = 7) -> list[tuple[Case, float]]:
    order = [c for c in all_cases if c.is_order and c.features]
    random.Random(seed).shuffle(order)
    out = []
    for k in range(folds):
        test = order[k::folds]
        train = [c for i, c in enumerate(order) if i % folds != k]
        w = fit(train)
        out += [(c, confidence.score(c.features, w)) for c in test]
    return out


def choose_threshold(scored: list[tuple[Case, float]], target: float = TARGET) -> float:
    """The lowest threshold at which the accepted (no written reason, confidence >= t) are >= target right."""
    for t in sorted({round(p, 3) for _, p in scored} | {0.5}):
        accepted = [c for c, p in scored if not c.hard and p >= t]
        if accepted and sum(c.right for c in accepted) >= target * len(accepted):
            return max(t, 0.5)
    return 0.99


def table(scored: list[tuple[Case, float]], threshold: float) -> str:
    rows = ["band          messages  fully right  share", "-----------   --------  -----------  -----"]
    for lo, hi in zip(BANDS, BANDS[1:]):
        band = [c for c, p in scored if lo <= p < hi]
        if band:
            right = sum(c.right for c in band)
            rows.append(f"{lo:.2f}-{min(hi, 1):.2f}     {len(band):8d}  {right:11d}  {right / len(band):5.1%}")
    acc = [c for c, p in scored if not c.hard and p >= threshold]
    rev = [c for c, p in scored if c.hard or p < threshold]
    right = sum(c.right for c in acc)
    rows.append(f"accepted without review (no written reason, confidence >= {threshold:.2f}): {len(acc)} messages, "
                f"{right} fully right ({right / len(acc) if acc else 1:.1%})")
    rows.append(f"sent to review: {len(rev)} ({sum(c.right for c in rev)} of them were read right)")
    return "\n".join(rows)


@click.command("calibrate")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--write", is_flag=True, help="Store the fitted weights and threshold in the model file.")
def calibrate_cmd(dirs, write: bool):
    """Fit the confidence model on labelled messages and print its reliability table."""
    root = Path(__file__).resolve().parents[2]
    folders = list(dirs) or default_dirs(root)
    files = labelled_files(folders)
    if not files:
        raise click.ClickException(f"No labelled messages (NAME.eml or NAME.sms.txt beside NAME.gold.json) in "
                                   f"{', '.join(map(str, folders))}; nothing to fit or measure.")
    all_cases = cases(files)
    orders = [c for c in all_cases if c.is_order and c.features]
    if not orders:
        raise click.ClickException(f"None of the {len(files)} labelled messages is read as an order; "
                                   "there is no confidence to fit or measure.")
    cv = cross_validated(all_cases)
    threshold = choose_threshold(cv)
    w = fit(all_cases)
    insample = [(c, confidence.score(c.features, w)) for c in orders]
    click.echo(f"{len(files)} labelled messages, {len(orders)} read as orders; target {TARGET:.0%} fully right "
               "among those accepted")
    click.echo("\n== 5-fold cross-validated (each message scored by weights fitted without it)\n" + table(cv, threshold))
    click.echo("\n== in-sample (the weights that are stored)\n" + table(insample, threshold))
    click.echo("\n== the trade-off, cross-validated: threshold -> accepted, of them fully right; clear orders accepted right")
    clear = [c for c, _ in cv if c.gold_kind == "order" and not c.must_review]
    for t in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.92, 0.94, 0.96):
        acc = [c for c, p in cv if not c.hard and p >= t]
        ok = sum(c.right for c in acc)
        clear_ok = sum(c.right for c, p in cv if not c.hard and p >= t and c.gold_kind == "order" and not c.must_review)
        click.echo(f"  {t:.2f}: {len(acc):3d} accepted, {ok / len(acc) if acc else 1:6.1%} right; "
                   f"clear orders right without review {clear_ok}/{len(clear)}")
    wrong = [(c, p) for c, p in cv if not c.right and not c.hard and p >= threshold]
    for c, p in wrong:
        click.echo(f"  accepted but wrong: {c.name} (confidence {p:.2f})")
    if write:
        confidence.MODEL_FILE.write_text(json.dumps(
            {"about": "fitted by `flask --app app intake calibrate --write`; see app/reading/calibrate.py",
             "messages": len(files), "threshold": round(threshold, 3),
             "weights": {k: round(v, 4) for k, v in sorted(w.items())}}, indent=1) + "\n", encoding="utf-8")
        click.echo(f"wrote {confidence.MODEL_FILE}")
