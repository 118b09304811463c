"""What every sensor is: a spec plus ``observe`` that declares its outputs before it runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutputSpec:
    """Shape (per sample, without the sample axis) and dtype of one output array."""

    shape: tuple[int, ...]
    dtype: str
    fill: float | int | bool = 0
    unit: str = ""
    doc: str = ""


class Sensor(Protocol):
    name: str
    kind: str

    def outputs(self) -> dict[str, OutputSpec]:
        """Output names (relative, e.g. ``rgb``) to their specs, known before rendering."""
        ...
