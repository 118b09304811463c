"""A small reader over parsed YAML that reports errors with file and key path.

Every loader (scene, preset) walks its input through ``Node`` so that any error reads
``file: key.path[3].field: expected ..., got ...`` and nothing else needs to format paths.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator
from typing import Any

from ..errors import SpecError

_MISSING = object()


def describe(value: Any) -> str:
    """A short, readable rendering of a bad value for error messages."""
    text = repr(value) if isinstance(value, str) else _yaml_like(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _yaml_like(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_like(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml_like(v)}" for k, v in value.items()) + "}"
    return str(value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class Node:
    """A value at a key path inside a file."""

    def __init__(self, value: Any, file: str, path: str = "") -> None:
        self.value = value
        self.file = file
        self.path = path

    # --- navigation -------------------------------------------------------------------
    def child_path(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else str(key)

    def error(self, expectation: str, *, show_value: bool = True) -> SpecError:
        if show_value:
            expectation = f"{expectation}, got {describe(self.value)}"
        return SpecError(self.file, self.path, expectation)

    def mapping(self, allowed: set[str] | None = None, required: set[str] = frozenset()) -> Node:
        if not isinstance(self.value, dict):
            raise self.error("expected a mapping")
        for key in self.value:
            if not isinstance(key, str):
                raise SpecError(self.file, self.path, f"keys must be strings, got {describe(key)}")
            if allowed is not None and key not in allowed:
                raise SpecError(self.file, self.child_path(key), unknown_key("key", key, allowed))
        for key in sorted(required):
            if key not in self.value:
                raise SpecError(self.file, self.child_path(key), "required key is missing")
        return self

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value and self.value[key] is not None

    def get(self, key: str, default: Any = _MISSING) -> Node:
        if isinstance(self.value, dict) and key in self.value:
            return Node(self.value[key], self.file, self.child_path(key))
        if default is _MISSING:
            raise SpecError(self.file, self.child_path(key), "required key is missing")
        return Node(default, self.file, self.child_path(key))

    def items(self) -> Iterator[tuple[str, Node]]:
        for key, value in self.value.items():
            yield key, Node(value, self.file, self.child_path(key))

    def sequence(self, min_len: int = 0, max_len: int | None = None) -> list[Node]:
        if not isinstance(self.value, list):
            raise self.error("expected a list")
        n = len(self.value)
        if n < min_len or (max_len is not None and n > max_len):
            if max_len == min_len:
                raise self.error(f"expected a list of {min_len} item{'s' if min_len != 1 else ''}")
            if max_len is not None:
                raise self.error(f"expected a list of {min_len} to {max_len} items")
            if min_len == 1:
                raise self.error("expected a non-empty list")
            raise self.error(f"expected a list of at least {min_len} items")
        return [Node(v, self.file, self.child_path(i)) for i, v in enumerate(self.value)]

    # --- scalars ----------------------------------------------------------------------
    def number(self, *, minimum: float | None = None, maximum: float | None = None,
               positive: bool = False) -> float:
        if not is_number(self.value):
            raise self.error("expected a finite number")
        check_range(self, float(self.value), minimum, maximum, positive)
        return float(self.value)

    def integer(self, *, minimum: int | None = None, maximum: int | None = None) -> int:
        if not isinstance(self.value, int) or isinstance(self.value, bool):
            raise self.error("expected an integer")
        check_range(self, self.value, minimum, maximum, False)
        return int(self.value)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error("expected true or false")
        return self.value

    def string(self, choices: set[str] | tuple[str, ...] | None = None) -> str:
        if not isinstance(self.value, str) or not self.value:
            raise self.error("expected a non-empty string")
        if choices is not None and self.value not in choices:
            raise self.error("expected one of " + ", ".join(sorted(choices)))
        return self.value

    def numbers(self, n: int, **kwargs: Any) -> tuple[float, ...]:
        items = self.value
        if not isinstance(items, list) or len(items) != n or not all(is_number(v) for v in items):
            raise self.error(f"expected a list of {n} numbers")
        return tuple(node.number(**kwargs) for node in self.sequence())


def unknown_key(what: str, key: str, known: set[str] | dict[str, Any]) -> str:
    """'unknown key; did you mean 'position'? (known: ...)' for a key not in ``known``."""
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {what}{hint} (known: {', '.join(sorted(known))})"


def check_range(node: Node, value: float, minimum: float | None, maximum: float | None,
                positive: bool) -> None:
    if positive and not value > 0:
        raise node.error("expected a positive number")
    if minimum is not None and value < minimum:
        raise node.error(f"expected a number >= {minimum:g}")
    if maximum is not None and value > maximum:
        raise node.error(f"expected a number <= {maximum:g}")
