"""Declarative field schemas for preset-style parameter mappings (sensor presets, overrides).

A schema maps a key to a ``Field``; ``parse_params`` checks a mapping against it and returns
resolved defaults plus Params (numbers may be distributions where ``random`` is set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .distributions import Const, Param, parse_number
from .node import Node

# Keys any preset may carry as documentation; they are kept but have no effect.
DOC_KEYS = {"device", "source", "notes"}


@dataclass(frozen=True)
class Field:
    kind: str  # number | integer | string | boolean | numbers | vectors | table
    default: Any = None
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    choices: tuple[str, ...] | None = None  # string values; table keys
    length: int | None = None  # for numbers (exact length) and vectors (components)
    min_items: int = 1
    random: bool = True  # may the value be a distribution?

    def parse(self, node: Node) -> Any:
        bounds = {"minimum": self.minimum, "maximum": self.maximum, "positive": self.positive}
        if self.kind == "number":
            return parse_number(node, **bounds) if self.random else Const(node.number(**bounds))
        if self.kind == "integer":
            if self.random:
                return parse_number(node, integer=True, **bounds)
            value = node.integer(minimum=None if self.minimum is None else int(self.minimum),
                                 maximum=None if self.maximum is None else int(self.maximum))
            if self.positive and value <= 0:
                raise node.error("expected a positive integer")
            return Const(value)
        if self.kind == "string":
            return Const(node.string(self.choices))
        if self.kind == "boolean":
            return Const(node.boolean())
        if self.kind == "numbers":
            items = node.sequence(self.length or self.min_items,
                                  self.length if self.length else None)
            return tuple(parse_number(i, **bounds) if self.random else Const(i.number(**bounds))
                         for i in items)
        if self.kind == "table":  # names (a subset of choices) to numbers, e.g. per material
            node.mapping(set(self.choices or ()))
            return {k: parse_number(v, **bounds) if self.random else Const(v.number(**bounds))
                    for k, v in node.items()}
        if self.kind == "vectors":
            items = node.sequence(self.min_items)
            return tuple(tuple(Const(v) for v in i.numbers(self.length or 3)) for i in items)
        raise AssertionError(self.kind)


def parse_params(node: Node, schema: dict[str, Field]) -> dict[str, Any]:
    """Validate a mapping against ``schema``; fill defaults; keep documentation keys."""
    node.mapping(set(schema) | DOC_KEYS,
                 required={k for k, f in schema.items() if f.required})
    out: dict[str, Any] = {}
    for key, field in schema.items():
        # null unsets an optional preset value; a required one must hold a value
        if node.has(key) or field.required:
            out[key] = field.parse(node.get(key))
        elif field.default is not None:
            out[key] = _const_tree(field.default)
    for key in sorted(DOC_KEYS):
        if node.has(key):
            out[key] = Const(node.get(key).string())
    return out


def _const_tree(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return tuple(_const_tree(v) for v in value)
    return Const(value)


def merge_overrides(preset: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Preset values with a scene's overrides on top (shallow: a key replaces the whole value)."""
    merged = dict(preset)
    merged.update(overrides)
    return merged


def is_param_tree(value: Any) -> bool:
    return isinstance(value, Param) or (isinstance(value, tuple) and all(map(is_param_tree, value)))
