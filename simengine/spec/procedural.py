"""``shape: procedural`` templates: a registered generator and its parameters.

    {shape: procedural, generator: cardboard_box,
     params: {length: 0.4, width: {uniform: [0.2, 0.3]}}}

Each ``params`` key must be a parameter of the generator; each value a number or a
distribution whose whole support lies inside the parameter's published range (so a draw can
never fall outside what the generator was checked for). A parameter the scene leaves unset is
drawn uniformly over its range (integers: every whole number in it), unless the generator
gives it a fixed default.
"""

from __future__ import annotations

import math

from ..assets.generators import Generator, GenParam, generator, generators
from .distributions import Const, Param, RandInt, Uniform, parse_number
from .node import Node, unknown_key


def parse_generator(node: Node) -> Generator:
    """The registered generator ``node`` names (error lists the known names)."""
    name = node.string()
    known = generators()
    if name not in known:
        raise node.error(f"expected a registered generator ({', '.join(known)})")
    return generator(name)


def parse_generator_params(node: Node | None, gen: Generator) -> dict[str, Param]:
    """Every parameter of ``gen`` as a Param, in the generator's order (the draw order)."""
    given: dict[str, Node] = {}
    if node is not None:
        node.mapping()
        for key, value in node.items():
            if key not in gen.params:
                raise value.error(unknown_key(f"parameter of generator {gen.name}", key,
                                              dict(gen.params)), show_value=False)
            given[key] = value
    return {name: (_parse_value(given[name], p) if name in given else _unset(p))
            for name, p in gen.params.items()}


def _parse_value(node: Node, p: GenParam) -> Param:
    return parse_number(node, minimum=p.low, maximum=p.high, integer=p.integer)


def _unset(p: GenParam) -> Param:
    if p.default is not None:
        return Const(int(p.default) if p.integer else float(p.default))
    if p.integer:
        return RandInt(math.ceil(p.low), math.floor(p.high))
    return Uniform(float(p.low), float(p.high))
