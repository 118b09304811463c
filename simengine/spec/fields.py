"""Field parsers shared by several sections of a scene: 3-vectors, colours, textures."""

from __future__ import annotations

from typing import Any

from .distributions import Param, parse_choice_of, parse_number
from .node import Node
from .scene import TEXTURES, TextureSpec


def parse_vec3(node: Node, **bounds: Any) -> tuple[Param, Param, Param]:
    items = node.sequence(3, 3)
    return tuple(parse_number(i, **bounds) for i in items)  # type: ignore[return-value]


def parse_color(node: Node) -> tuple[Param, Param, Param]:
    return parse_vec3(node, minimum=0.0, maximum=1.0)


def parse_texture(node: Node | None) -> TextureSpec | None:
    """``texture: {kind: checker|stripes|noise|none, scale: m, color2: [r,g,b], axis: 0..2}``"""
    if node is None:
        return None
    node.mapping({"kind", "scale", "color2", "axis"}, required={"kind"})
    return TextureSpec(kind=parse_choice_of(node.get("kind"), set(TEXTURES)),
                       scale=parse_number(node.get("scale", 0.05), positive=True),
                       color2=parse_color(node.get("color2", [0.1, 0.1, 0.1])),
                       axis=parse_number(node.get("axis", 0), integer=True, minimum=0,
                                         maximum=2))
