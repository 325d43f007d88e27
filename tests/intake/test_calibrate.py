"""`flask intake calibrate` on labelled folders: the reliability table, and a clear refusal with nothing to fit."""
from __future__ import annotations

import shutil
from pathlib import Path

from app.reading.calibrate import calibrate_cmd

MESSAGES = Path(__file__).resolve().parent / "messages"


def test_calibrate_prints_the_reliability_table(app, tmp_path):
    for stem in ("N01", "N11", "E01"):
        for path in MESSAGES.glob(f"{stem}.*"):
            shutil.copy(path, tmp_path)
    result = app.test_cli_runner().invoke(calibrate_cmd, [str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "3 labelled messages" in result.output and "accepted without review" in result.output


def test_calibrate_refuses_a_folder_with_no_labelled_messages(app, tmp_path):
    (tmp_path / "note.txt").write_text("not a message")
    result = app.test_cli_runner().invoke(calibrate_cmd, [str(tmp_path), "--write"])
    assert result.exit_code != 0
    assert "No labelled messages" in result.output


def test_calibrate_scores_each_batch_by_weights_fitted_on_the_others(app, tmp_path):
    for folder, stems in (("first", ("N01", "N11", "E01")), ("second", ("S01", "D02", "R01"))):
        (tmp_path / folder).mkdir()
        for stem in stems:
            for path in MESSAGES.glob(f"{stem}.*"):
                shutil.copy(path, tmp_path / folder)
    result = app.test_cli_runner().invoke(calibrate_cmd, [str(tmp_path / "first"), str(tmp_path / "second")])
    assert result.exit_code == 0, result.output
    assert "6 labelled messages in 2 batches" in result.output
    lobo = result.output.split("== leave one batch out", 1)[1].split("== in-sample", 1)[0]
    rows = {line.split()[0]: line.split()[1] for line in lobo.splitlines() if line.split()[:1] in (["first"], ["second"], ["all"])}
    assert rows == {"first": "3", "second": "3", "all": "6"}, lobo


def test_a_threshold_chosen_by_hand_is_said_and_one_below_a_coin_toss_is_refused(app, tmp_path):
    for stem in ("N01", "N11", "E01"):
        for path in MESSAGES.glob(f"{stem}.*"):
            shutil.copy(path, tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(calibrate_cmd, [str(tmp_path), "--threshold", "0.95"])
    assert result.exit_code == 0, result.output
    assert "threshold 0.950 chosen by hand; the 98% rule out of sample gives" in result.output
    refused = runner.invoke(calibrate_cmd, [str(tmp_path), "--threshold", "0.2", "--write"])
    assert refused.exit_code == 2 and "0.2 is not in the range 0.5<=x<=0.999" in refused.output


def test_a_weight_keeps_its_priors_sign_however_the_batches_lean():
    """Evidence against a reading never becomes evidence for it: here every message with more lines is right and
    every message with a token without a role is right too, as on batches tuned until they read right."""
    from app.reading.calibrate import Case, fit
    from app.reading.extract.confidence import PRIOR

    cases = [Case(f"m{i}", {"bias": 1.0, "lines": float(i % 6), "unexplained": float(i % 2)}, right=i % 6 > 1,
                  hard=False, is_order=True, gold_kind="order", must_review=False, batch="b") for i in range(60)]
    w = fit(cases)
    assert PRIOR["lines"] < 0 and PRIOR["unexplained"] < 0
    assert w["lines"] <= 0 and w["unexplained"] <= 0
    assert fit(cases, l2=0.25)["bias"] != PRIOR["bias"]  # the fit still moves what it may
