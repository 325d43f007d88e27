"""The scorer lives in the app (calibration and corrections export use it too)."""
from app.intake.scoring import compare, lines_match  # noqa: F401
