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
