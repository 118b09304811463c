"""Benchmark corruption suites by name (``suite:`` in a scene's corruption set).

Each module of ``MODULES`` declares one ``SUITE``. Adding a suite means adding its module
here. Modules are loaded on the first lookup, like the registry's corruptions.
"""

from __future__ import annotations

import functools
import importlib

from ..base import Corruption
from .base import Suite, SuiteEntry

__all__ = ["MODULES", "Suite", "SuiteEntry", "corruption", "get", "names"]

MODULES = ("imagenet_c", "threedcc", "robo3d", "kitti_c", "multicorrupt", "audio_c")


def get(name: str) -> Suite:
    suites = _loaded()
    try:
        return suites[name]
    except KeyError:
        raise KeyError(f"unknown suite {name!r}; known: {', '.join(sorted(suites))}") from None


def names() -> list[str]:
    return sorted(_loaded())


@functools.cache
def corruption(suite: str, name: str) -> Corruption:
    """Entry ``name`` of ``suite`` as a corruption on the suite's scale (cached: the same
    object for every sample)."""
    return get(suite).corruption(name)


@functools.cache
def _loaded() -> dict[str, Suite]:
    suites: dict[str, Suite] = {}
    for module in MODULES:
        suite = importlib.import_module(f"{__name__}.{module}").SUITE
        if suite.name in suites:
            raise ValueError(f"suite {suite.name!r} declared twice")
        if len(set(suite.names())) != len(suite.entries):
            raise ValueError(f"suite {suite.name!r} names an entry twice")
        suites[suite.name] = suite
    return suites
