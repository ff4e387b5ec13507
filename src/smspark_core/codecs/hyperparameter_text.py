"""The text form of hyperparameters: CreateTrainingJob sends every value as a string, and
containers parse them back. One place for both directions, used by the estimators and by
the local images.
"""

from __future__ import annotations

import json
from typing import Any

from smspark_core.codecs.javanum import java_double_str


def hyperparameter_text(value: Any) -> str:
    """A Param value as the original sent it: Java number text, booleans as True/False."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return java_double_str(value)
    if isinstance(value, list | tuple):
        return ",".join(hyperparameter_text(v) for v in value)
    return str(value)


def parse_list_text(text: str) -> list[str]:
    """``"[msd, ssd]"``, ``'["msd","ssd"]'`` or ``"msd"`` as a list of keywords."""
    text = text.strip()
    try:
        parsed = json.loads(text)
        if isinstance(parsed, list):
            return [str(item).strip() for item in parsed]
    except ValueError:
        pass
    return [t.strip().strip('"').strip("'") for t in text.strip("[]").split(",") if t.strip()]
