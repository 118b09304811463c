"""Text listing of the benchmark suites (``simengine suites [NAME]``)."""

from __future__ import annotations

from . import corruption, get, names


def _value(level) -> str:
    if isinstance(level, tuple | list):
        return "(" + ", ".join(_value(v) for v in level) + ")"
    return f"{level:g}" if isinstance(level, float) else str(level)


def describe_all() -> list[str]:
    """One line per suite: name, size, scale, title."""
    out = []
    for name in names():
        suite = get(name)
        out.append(f"{name:13s} {len(suite.entries):3d} corruptions, severities "
                   f"{'/'.join(suite.scale)}  {suite.title}")
    return out


def describe(name: str) -> list[str]:
    """A suite's entries: benchmark name, group, modality, the registry corruption that runs
    it, the parameter and its value per severity."""
    suite = get(name)
    out = [f"{suite.name}: {suite.title}; severities {'/'.join(suite.scale)}; source "
           f"docs/references.md#{suite.reference}"]
    for entry in suite.entries:
        c = corruption(suite.name, entry.name)
        levels = " | ".join(_value(v) for v in c.levels)
        out.append(f"  {entry.name:28s} {entry.group or '-':14s} {c.modality:7s} "
                   f"runs {entry.corruption}: {levels}")
    return out
