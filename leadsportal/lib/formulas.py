"""The formula-injection guard of a CSV text cell (OWASP "CSV injection").

A spreadsheet evaluates a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return; such a text gets a leading single quote, which makes it text. The exports explain the
whole policy (exports/cells.py, which uses this guard); here, below every app, so that the
dashboard's own CSV files (the statistics tables) use the same one.
"""

from __future__ import annotations

from typing import Final

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def neutralise(text: str) -> str:
    """A leading single quote if the text could be read as a formula."""
    return "'" + text if is_formula_like(text) else text
