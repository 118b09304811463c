"""What a corruption suite is: a benchmark's corruption list under its own names and
severity scale, each entry run by one corruption of the registry.

A suite entry names the registry corruption that implements it and the entry's parameter
value per severity of the suite's scale (``levels``, in the benchmark's own units, as its
paper or code publishes them). ``to_level`` converts one such value into the level the
registry corruption takes, when the two are stated differently (e.g. Robo3D counts dropped
beams of 64 where ``beam_missing`` takes a fraction); by default they are the same value.

``corruption(entry)`` is the entry as a :class:`~simengine.corruptions.base.Corruption`:
the entry's name and levels around the registry corruption's function, so the code that
applies corruption sets needs no branch for suites. A suite's severity runs 1..len(scale).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import registry
from ..base import Corruption, Result


@dataclass(frozen=True)
class SuiteEntry:
    name: str  # the benchmark's own name of the corruption
    corruption: str  # the registry corruption that implements it
    levels: tuple | None = None  # per suite severity, benchmark units; None: the registry's
    parameter: str = ""  # what ``levels`` holds; "" = the registry corruption's parameter
    group: str = ""  # the benchmark's grouping (e.g. ImageNet-C's noise/blur/weather/digital)
    to_level: Callable[[Any], Any] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Suite:
    name: str
    title: str  # the benchmark and its paper, in a few words
    reference: str  # docs/references.md anchor of the source of its list and parameters
    scale: tuple[str, ...]  # the benchmark's names of its severity levels, lowest first
    entries: tuple[SuiteEntry, ...]
    doc: str = ""

    @property
    def severities(self) -> int:
        return len(self.scale)

    def names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entries)

    def entry(self, name: str) -> SuiteEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise KeyError(f"suite {self.name!r} has no corruption {name!r}; it has: "
                       f"{', '.join(self.names())}")

    def corruption(self, name: str) -> Corruption:
        """The entry ``name`` as a corruption on the suite's scale."""
        entry = self.entry(name)
        base = registry.get(entry.corruption)
        levels = base.levels if entry.levels is None else tuple(entry.levels)
        if len(levels) != self.severities:
            raise ValueError(f"suite {self.name}: {name} has {len(levels)} levels for a scale "
                             f"of {self.severities}")
        fn = base.fn if entry.to_level is None else _converted(base.fn, entry.to_level)
        return Corruption(entry.name, base.modality, entry.parameter or base.parameter, levels,
                          fn, base.needs, base.doc, base.precipitation, base.requires)


def _converted(fn: Callable[..., Result], to_level: Callable[[Any], Any]
               ) -> Callable[..., Result]:
    def run(data, level, rng, context) -> Result:
        return fn(data, to_level(level), rng, context)

    return run
