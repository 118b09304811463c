"""Procedural asset generators: a few parameters in, a textured, part-labelled mesh out.

A generator declares each parameter with its range (``GenParam``: published or physical
bounds, with the source in its ``doc``) and what an unset parameter draws (uniform over the
range, unless a fixed ``default`` is given). It builds a :class:`~simengine.assets.mesh.
PartMesh` from plain values, with no random draws of its own: the scene's instance sampler
draws the parameters, so every instance is a pure function of seed and sample.

Generators register by an explicit list of modules (``MODULES``); each module lists its
generators in a ``GENERATORS`` tuple.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from ..mesh import PartMesh

CATEGORIES = ("vehicle", "person", "street", "indoor", "household")
MODULES = ("household", "indoor", "vehicles", "street", "road", "people")


@dataclass(frozen=True)
class GenParam:
    """One parameter: its bounds and what a scene that does not set it gets."""

    low: float
    high: float
    unit: str = ""
    doc: str = ""  # what it is, and where the range comes from
    integer: bool = False
    default: float | None = None  # a fixed value; None: uniform over [low, high]

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"expected low <= high, got {self.low}, {self.high}")
        if self.default is not None and not self.low <= self.default <= self.high:
            raise ValueError(f"default {self.default} outside [{self.low}, {self.high}]")

    def check(self, name: str, value: Any) -> float:
        """``value`` as a number inside the bounds, or ValueError naming ``name``."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name}: expected a number, got {value!r}")
        if not self.low <= value <= self.high:
            raise ValueError(f"{name}: expected a value in [{self.low:g}, {self.high:g}]"
                             f"{' ' + self.unit if self.unit else ''}, got {value!r}")
        if self.integer and value != int(value):
            raise ValueError(f"{name}: expected a whole number, got {value!r}")
        return int(value) if self.integer else float(value)


@dataclass(frozen=True)
class Generator:
    name: str
    category: str  # one of CATEGORIES
    label: str  # default class label of its instances
    material: str  # default material of the object (simengine.materials)
    params: Mapping[str, GenParam]
    build: Callable[[dict[str, float]], PartMesh] = field(repr=False)
    watertight: bool = True  # every piece a closed solid
    doc: str = ""

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"{self.name}: category must be one of {CATEGORIES}")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def resolve(self, values: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Every parameter's value: ``values`` (checked), else the fixed default, else the
        middle of the range (what a contact sheet or a test without draws uses)."""
        values = dict(values or {})
        unknown = sorted(set(values) - set(self.params))
        if unknown:
            raise ValueError(f"{self.name}: unknown parameter {unknown[0]!r}; known: "
                             f"{', '.join(sorted(self.params))}")
        out = {}
        for name, p in self.params.items():
            if name in values:
                out[name] = p.check(name, values[name])
            else:
                mid = p.default if p.default is not None else (p.low + p.high) / 2.0
                out[name] = round(mid) if p.integer else float(mid)
        return out

    def __call__(self, values: Mapping[str, Any] | None = None) -> PartMesh:
        return self.build(self.resolve(values))

    def part_names(self) -> tuple[str, ...]:
        """Every part name the generator can build, in first-seen order: the parts of its
        middle instance and of each whole-number parameter at each of its values (the
        parameters that choose between shapes, e.g. cutlery's kind). What a scene's part
        vocabulary lists; tests/assets check it against random draws."""
        return _part_names(self.name)


_REGISTRY: dict[str, Generator] = {}
MAX_CHOICES = 16  # whole-number parameters with more values are not enumerated


@functools.cache
def _part_names(name: str) -> tuple[str, ...]:
    gen = generator(name)
    names = dict.fromkeys(gen().parts)
    for key, p in gen.params.items():
        if p.integer and p.high - p.low < MAX_CHOICES:
            for value in range(int(p.low), int(p.high) + 1):
                names.update(dict.fromkeys(gen({key: value}).parts))
    return tuple(names)


def _load() -> dict[str, Generator]:
    if not _REGISTRY:
        found: dict[str, Generator] = {}
        for module in MODULES:
            for g in importlib.import_module(f"{__name__}.{module}").GENERATORS:
                if g.name in found:
                    raise ValueError(f"generator {g.name!r} defined twice")
                found[g.name] = g
        _REGISTRY.update(found)
    return _REGISTRY


def generators(category: str | None = None) -> list[str]:
    """Names of the generators (of one category), sorted."""
    return sorted(n for n, g in _load().items() if category in (None, g.category))


def generator(name: str) -> Generator:
    try:
        return _load()[name]
    except KeyError:
        raise KeyError(f"unknown generator {name!r}; known: {', '.join(generators())}"
                       ) from None


def generate(name: str, values: Mapping[str, Any] | None = None) -> PartMesh:
    """The mesh of generator ``name`` with parameter ``values`` (unset ones: see
    ``Generator.resolve``)."""
    return generator(name)(values)
