"""Declarative field schemas for preset-style parameter mappings (sensor presets, overrides).

A schema maps a key to a ``Field``; ``parse_params`` checks a mapping against it and returns
resolved defaults plus Params (numbers may be distributions where ``random`` is set).
"""

from __future__ import annotations

from typing import Any

from ..params import Field
from .distributions import Const, Param, parse_number
from .node import Node

# Keys any preset may carry as documentation; they are kept but have no effect.
DOC_KEYS = {"device", "source", "notes"}


def parse_field(field: Field, node: Node) -> Any:
    """The value of ``node`` for ``field``: a Param (a distribution where ``field.random``), or a
    tuple or mapping of Params."""
    bounds = {"minimum": field.minimum, "maximum": field.maximum, "positive": field.positive}
    if field.kind == "number":
        return parse_number(node, **bounds) if field.random else Const(node.number(**bounds))
    if field.kind == "integer":
        if field.random:
            return parse_number(node, integer=True, **bounds)
        value = node.integer(minimum=None if field.minimum is None else int(field.minimum),
                             maximum=None if field.maximum is None else int(field.maximum))
        if field.positive and value <= 0:
            raise node.error("expected a positive integer")
        return Const(value)
    if field.kind == "string":
        return Const(node.string(field.choices))
    if field.kind == "boolean":
        return Const(node.boolean())
    if field.kind == "numbers":
        items = node.sequence(field.length or field.min_items,
                              field.length if field.length else None)
        return tuple(parse_number(i, **bounds) if field.random else Const(i.number(**bounds))
                     for i in items)
    if field.kind == "table":  # names (a subset of choices) to numbers, e.g. per material
        node.mapping(set(field.choices or ()))
        return {k: parse_number(v, **bounds) if field.random else Const(v.number(**bounds))
                for k, v in node.items()}
    if field.kind == "vectors":
        items = node.sequence(field.min_items)
        return tuple(tuple(Const(v) for v in i.numbers(field.length or 3)) for i in items)
    raise AssertionError(field.kind)


def parse_params(node: Node, schema: dict[str, Field]) -> dict[str, Any]:
    """Validate a mapping against ``schema``; fill defaults; keep documentation keys."""
    node.mapping(set(schema) | DOC_KEYS,
                 required={k for k, f in schema.items() if f.required})
    out: dict[str, Any] = {}
    for key, field in schema.items():
        # null unsets an optional preset value; a required one must hold a value
        if node.has(key) or field.required:
            out[key] = parse_field(field, node.get(key))
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
