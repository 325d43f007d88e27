"""The scorer lives in the app (calibration and corrections export use it too)."""
from app.reading.scoring import compare, hard_reasons, lines_match, reading_diffs  # noqa: F401
