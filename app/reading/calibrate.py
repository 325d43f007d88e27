"""Fit and measure the parser's confidence on labelled messages (a folder of *.eml / *.sms.txt with *.gold.json).

`flask --app app intake calibrate [DIR ...]` reads every labelled message, takes "fully right" as the samples
scorer does (as if the order were accepted without review), fits the logistic weights of
`app.reading.extract.confidence` (Newton's method, L2 pulled towards the prior weights, so a few hundred messages
cannot run away with them) and measures them the way a blind batch meets them: **leave one batch out** (each
folder is scored by weights fitted on all the other folders, as if it were a first run). The review threshold is
chosen on those out-of-sample scores, the lowest at which what would be accepted is at least 98% fully right.
It prints, per held-out batch, the issue's figures (clear orders right without review, wrong without review,
ambiguous orders flagged) and a reliability table (confidence bands x messages x fully right), out of sample and
in-sample. `--write` stores the weights fitted on every folder and the threshold."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import click

from app.reading.extract import confidence
from app.reading.parse import channel_for, parse_bytes
from app.reading.scoring import compare, hard_reasons

TARGET = 0.98
# One order is accepted only when its own probability of being read right is at least this: the 98% rule is over
# everything accepted, and alone it would let through a reading that is as likely wrong as right (0.5).
FLOOR = 0.9
BANDS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0001)
L2 = 0.25           # pull towards the prior weights (per weight, in units of one message's log-likelihood)
L2_GRID = (0.1, 0.25, 0.5, 1.0, 2.0)


@dataclass
class Case:
    name: str
    features: dict[str, float]
    right: bool        # fully right if accepted as read
    hard: bool         # sent to review by a written reason, whatever the confidence
    is_order: bool     # read as an order (confidence decides only those)
    gold_kind: str
    must_review: bool
    batch: str = ""    # the folder it came from: the unit left out when measuring
    diffs: list[str] = field(default_factory=list)

    @property
    def scored(self) -> bool:
        return self.is_order and bool(self.features)

    @property
    def clear(self) -> bool:
        return self.gold_kind == "order" and not self.must_review


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
        diffs = compare(gold, accepted)
        # a written reason sends the order to review whatever the confidence (the reasons the confidence itself
        # gives begin "Low confidence" and are not counted)
        hard = bool(hard_reasons(pm.review_reasons))
        out.append(Case(f"{msg.parent.name}/{msg.name}", pm.features, not diffs, hard, pm.kind == "order",
                        gold["kind"], bool(gold.get("must_review")), msg.parent.name, diffs))
    return out


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is symmetric positive definite here)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        d = m[col][col] or 1e-12
        for r in range(col + 1, n):
            f = m[r][col] / d
            if f:
                row, top = m[r], m[col]
                for c in range(col, n + 1):
                    row[c] -= f * top[c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / (m[r][r] or 1e-12)
    return x


def fit(train: list[Case], *, l2: float | None = None, steps: int = 30) -> dict[str, float]:
    """MAP logistic regression: log-likelihood of `right` minus l2/2 * |w - prior|^2 (the bias pulled 100 times
    less), maximised by Newton's method with each weight held to its prior's sign (see _signed). A feature that
    never varies in `train` keeps its prior weight."""
    l2 = L2 if l2 is None else l2
    prior = dict(confidence.PRIOR)
    data = [c for c in train if c.scored]
    if not data:
        return prior
    keys = sorted(prior)
    xs = [[c.features.get(k, 0.0) for k in keys] for c in data]
    ys = [1.0 if c.right else 0.0 for c in data]
    pen = [l2 * (0.01 if k == "bias" else 1.0) for k in keys]
    w0 = [prior[k] for k in keys]
    w = w0[:]
    n = len(keys)
    for _ in range(steps):
        grad = [-pen[j] * (w[j] - w0[j]) for j in range(n)]
        hess = [[0.0] * n for _ in range(n)]
        for j in range(n):
            hess[j][j] = pen[j]
        for x, y in zip(xs, ys):
            z = max(-30.0, min(30.0, sum(wj * xj for wj, xj in zip(w, x))))
            p = 1.0 / (1.0 + math.exp(-z))
            err, v = y - p, p * (1 - p)
            nz = [(j, xj) for j, xj in enumerate(x) if xj]
            for j, xj in nz:
                grad[j] += err * xj
                row = hess[j]
                for k, xk in nz:
                    row[k] += v * xj * xk
        step = _solve(hess, grad)
        new = [_signed(k, w0[j], wj + sj) for j, (k, wj, sj) in enumerate(zip(keys, w, step))]
        moved = max(abs(a - b) for a, b in zip(new, w))
        w = new
        if moved < 1e-6:
            break
    return dict(zip(keys, w))


def _signed(key: str, prior: float, value: float) -> float:
    """A weight keeps its prior's sign: evidence against a reading (a token without a role, a line more) never
    comes out as evidence for it because the batches it was fitted on were tuned until such readings were right."""
    if key == "bias" or prior == 0:
        return value
    return min(value, 0.0) if prior < 0 else max(value, 0.0)


def leave_one_batch_out(all_cases: list[Case], *, l2: float | None = None) -> list[tuple[Case, float]]:
    """Each folder's orders scored by weights fitted on every other folder: a first run of that batch."""
    out = []
    for batch in dict.fromkeys(c.batch for c in all_cases):
        w = fit([c for c in all_cases if c.batch != batch], l2=l2)
        out += [(c, confidence.score(c.features, w)) for c in all_cases if c.batch == batch and c.scored]
    return out


def choose_threshold(scored: list[tuple[Case, float]], target: float = TARGET, *, steady: int = 30,
                     floor: float = FLOOR) -> float:
    """The lowest threshold t at which the accepted (no written reason, confidence >= t) are >= target right, and
    stay so, give or take one message, at every higher threshold that still accepts `steady` messages or more: a
    threshold that lands in a lucky gap between two wrong readings would not hold on the next batch. Never below
    `floor`: each accepted order on its own must be likely right, not only the accepted as a whole."""
    best = 0.99
    for t in sorted({round(p, 3) for _, p in scored} | {0.5}, reverse=True):
        accepted = [c for c, p in scored if not c.hard and p >= t]
        right = sum(c.right for c in accepted)
        if not accepted:
            continue
        if right >= target * len(accepted):
            best = t
        elif len(accepted) >= steady and right + 1 < target * len(accepted):
            break
    return max(best, floor)


def figures(batch_cases: list[Case], score: dict[str, float], threshold: float) -> dict[str, int]:
    """The issue's figures for one batch as the parser would treat it at `threshold` (a message that is not read
    as an order is never reviewed; an order goes to review on a written reason or a confidence under it)."""
    def reviewed(c: Case) -> bool:
        return c.is_order and (c.hard or not c.scored or score.get(c.name, 0.0) < threshold)

    clear = [c for c in batch_cases if c.clear]
    must = [c for c in batch_cases if c.must_review]
    return {"messages": len(batch_cases), "clear": len(clear),
            "clear_right": sum(c.right and not reviewed(c) for c in clear),
            "wrong": sum(not c.right and not reviewed(c) for c in batch_cases),
            "must": len(must), "flagged": sum(reviewed(c) for c in must)}


def figures_table(all_cases: list[Case], scored: list[tuple[Case, float]], threshold: float) -> str:
    score = {c.name: p for c, p in scored}
    rows = ["batch        messages  clear right w/o review  wrong w/o review  ambiguous flagged",
            "-----------  --------  ----------------------  ----------------  -----------------"]
    total = {"messages": 0, "clear": 0, "clear_right": 0, "wrong": 0, "must": 0, "flagged": 0}

    def row(name: str, f: dict[str, int]) -> str:
        pct = lambda a, b: f"{a / b:6.1%}" if b else "     -"  # noqa: E731
        return (f"{name:<11}  {f['messages']:8d}  {f['clear_right']:5d}/{f['clear']:<4d} {pct(f['clear_right'], f['clear'])}"
                f"     {f['wrong']:4d} {pct(f['wrong'], f['messages'])}     {f['flagged']:4d}/{f['must']:<3d}"
                f" {pct(f['flagged'], f['must'])}")

    for batch in dict.fromkeys(c.batch for c in all_cases):
        f = figures([c for c in all_cases if c.batch == batch], score, threshold)
        total = {k: total[k] + f[k] for k in total}
        rows.append(row(batch, f))
    rows.append(row("all", total))
    return "\n".join(rows)


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
    rows.append(f"accepted without review (no written reason, confidence >= {threshold:.3f}): {len(acc)} messages, "
                f"{right} fully right ({right / len(acc) if acc else 1:.1%})")
    rows.append(f"sent to review: {len(rev)} ({sum(c.right for c in rev)} of them were read right)")
    return "\n".join(rows)


def log_loss(scored: list[tuple[Case, float]]) -> float:
    eps = 1e-6
    return -sum(math.log(max(eps, p if c.right else 1 - p)) for c, p in scored) / max(1, len(scored))


@click.command("calibrate")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--write", is_flag=True, help="Store the fitted weights and threshold in the model file.")
@click.option("--l2", type=float, default=None, help=f"Pull towards the prior weights (default {L2}).")
@click.option("--l2-grid", is_flag=True, help="Also print the leave-one-batch-out figures for other pulls.")
@click.option("--threshold", "chosen", type=click.FloatRange(0.5, 0.999), default=None,
              help="Store this threshold instead of the one the 98% rule picks (read the trade-off table first); "
                   "the model file records that it was chosen by hand.")
def calibrate_cmd(dirs, write: bool, l2: float | None, l2_grid: bool, chosen: float | None):
    """Fit the confidence model on labelled messages; print leave-one-batch-out figures and reliability tables."""
    root = Path(__file__).resolve().parents[2]
    folders = list(dirs) or default_dirs(root)
    files = labelled_files(folders)
    if not files:
        raise click.ClickException(f"No labelled messages (NAME.eml or NAME.sms.txt beside NAME.gold.json) in "
                                   f"{', '.join(map(str, folders))}; nothing to fit or measure.")
    all_cases = cases(files)
    orders = [c for c in all_cases if c.scored]
    if not orders:
        raise click.ClickException(f"None of the {len(files)} labelled messages is read as an order; "
                                   "there is no confidence to fit or measure.")
    l2 = L2 if l2 is None else l2
    batches = list(dict.fromkeys(c.batch for c in all_cases))
    click.echo(f"{len(files)} labelled messages in {len(batches)} batches, {len(orders)} read as orders; target "
               f"{TARGET:.0%} fully right among those accepted; L2 pull {l2:g}")
    if l2_grid:
        click.echo("\n== pull towards the prior -> leave-one-batch-out log loss, threshold, figures over all batches")
        for g in L2_GRID:
            lo = leave_one_batch_out(all_cases, l2=g)
            t = choose_threshold(lo)
            f = figures(all_cases, {c.name: p for c, p in lo}, t)
            click.echo(f"  {g:5g}: log loss {log_loss(lo):.4f}, threshold {t:.3f}, clear right w/o review "
                       f"{f['clear_right']}/{f['clear']}, wrong w/o review {f['wrong']}, flagged {f['flagged']}/{f['must']}")
    lobo = leave_one_batch_out(all_cases, l2=l2)
    ruled = choose_threshold(lobo)
    threshold = ruled if chosen is None else chosen
    if chosen is not None:
        click.echo(f"threshold {chosen:.3f} chosen by hand; the 98% rule out of sample gives {ruled:.3f}")
    w = fit(all_cases, l2=l2)
    insample = [(c, confidence.score(c.features, w)) for c in orders]
    click.echo(f"\n== leave one batch out (each batch scored by weights fitted on the others), threshold "
               f"{threshold:.3f} chosen on these scores; log loss {log_loss(lobo):.4f}\n"
               + figures_table(all_cases, lobo, threshold) + "\n\n" + table(lobo, threshold))
    click.echo(f"\n== in-sample (the weights that are stored), same threshold; log loss {log_loss(insample):.4f}\n"
               + figures_table(all_cases, insample, threshold) + "\n\n" + table(insample, threshold))
    click.echo("\n== the trade-off, leave one batch out: threshold -> accepted, of them fully right; clear orders "
               "right without review; wrong without review")
    score = {c.name: p for c, p in lobo}
    for t in (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.92, 0.94, 0.96):
        acc = [c for c, p in lobo if not c.hard and p >= t]
        ok = sum(c.right for c in acc)
        f = figures(all_cases, score, t)
        click.echo(f"  {t:.2f}: {len(acc):3d} accepted, {ok / len(acc) if acc else 1:6.1%} right; clear orders "
                   f"right without review {f['clear_right']}/{f['clear']}; wrong without review {f['wrong']}")
    for c, p in lobo:
        if not c.right and not c.hard and p >= threshold:
            click.echo(f"  accepted but wrong (left out): {c.name} (confidence {p:.2f}): {'; '.join(c.diffs)[:160]}")
    if write:
        confidence.MODEL_FILE.write_text(json.dumps(
            {"about": "fitted by `flask --app app intake calibrate --write`; see app/reading/calibrate.py; the "
                      "threshold is chosen on leave-one-batch-out scores",
             "messages": len(files), "l2": l2, "threshold": round(threshold, 3),
             **({} if chosen is None else {"threshold_by_hand": f"the 98% rule out of sample gives {ruled:.3f}"}),
             "weights": {k: round(v, 4) for k, v in sorted(w.items())}}, indent=1) + "\n", encoding="utf-8")
        click.echo(f"wrote {confidence.MODEL_FILE}")
