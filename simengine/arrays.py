"""The spec of one array of a sample: what sensors and labels declare before anything runs,
and what a store is created from. A leaf module (no imports from the package), so the store
and its readers can use it without loading any sensor code."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutputSpec:
    """Shape (per sample, without the sample axis) and dtype of one output array."""

    shape: tuple[int, ...]
    dtype: str
    fill: float | int | bool = 0
    unit: str = ""
    doc: str = ""
