"""Specs only parse and validate: no module of ``simengine.spec`` touches a random generator
(every draw of an instance is taken by ``simengine.instance``, in one order)."""

from __future__ import annotations

import ast
from pathlib import Path

import simengine.spec

SPEC_DIR = Path(simengine.spec.__file__).parent


def _random_uses(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Name) and node.id == "rng":
            found.append(f"{path.name}:{node.lineno}: rng")
        elif isinstance(node, ast.arg) and node.arg == "rng":
            found.append(f"{path.name}:{node.lineno}: argument rng")
        elif (isinstance(node, ast.Attribute) and node.attr == "random"
              and isinstance(node.value, ast.Name) and node.value.id in ("np", "numpy")):
            found.append(f"{path.name}:{node.lineno}: numpy.random")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").endswith("random"):
            found.append(f"{path.name}:{node.lineno}: import from {node.module}")
        elif isinstance(node, ast.Import) and any(a.name.endswith("random") for a in node.names):
            found.append(f"{path.name}:{node.lineno}: import random")
    return found


def test_no_spec_module_uses_a_random_generator() -> None:
    modules = sorted(SPEC_DIR.glob("*.py"))
    assert len(modules) > 5
    assert [use for m in modules for use in _random_uses(m)] == []


def test_parsed_distributions_have_no_draw_of_their_own() -> None:
    from simengine.spec import distributions

    for kind in (distributions.Const, distributions.Uniform, distributions.Normal,
                 distributions.LogUniform, distributions.RandInt, distributions.Choice):
        assert not hasattr(kind, "sample"), kind
