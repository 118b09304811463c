"""What every sensor is: a spec plus ``observe`` that declares its outputs before it runs."""

from __future__ import annotations

from typing import Protocol

from ..arrays import OutputSpec


class Sensor(Protocol):
    name: str
    kind: str

    def outputs(self) -> dict[str, OutputSpec]:
        """Output names (relative, e.g. ``rgb``) to their specs, known before rendering."""
        ...
