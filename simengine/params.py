"""Declared parameters of a sensor kind: a pure description (kind, default, bounds) of each
key a preset or a scene override may set.

Sensors declare their parameters with ``Field``; ``spec.schema`` parses YAML against them.
Nothing here imports the spec or the sensors, so both may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    kind: str  # number | integer | string | boolean | numbers | vectors | table
    default: Any = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    choices: tuple[str, ...] | None = None  # string values; table keys
    length: int | None = None  # for numbers (exact length) and vectors (components)
    min_items: int = 1
    random: bool = True  # may the value be a distribution?
