"""Randomisation nodes: any numeric scene field may be one of these instead of a number.

YAML forms (one key per mapping)::

    {uniform: [low, high]}
    {normal: [mean, std]}            or {normal: {mean: m, std: s, min: a, max: b}}  (clipped)
    {loguniform: [low, high]}        (low > 0)
    {randint: [low, high]}           (both inclusive)
    {choice: [a, b, c]}              or {choice: {values: [a, b], weights: [3, 1]}}

Each node knows its support, so a field that must be positive rejects ``{uniform: [-1, 1]}``
at load time rather than at sample 9731. Nodes are parsed here and drawn from only by the
instance sampler (``simengine.instance.draw``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .node import Node, is_number

DISTRIBUTION_KEYS = ("uniform", "normal", "loguniform", "randint", "choice")


@dataclass(frozen=True)
class Const:
    value: Any

    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    def to_dict(self) -> Any:
        return self.value


@dataclass(frozen=True)
class Uniform:
    low: float
    high: float

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_dict(self) -> Any:
        return {"uniform": [self.low, self.high]}


@dataclass(frozen=True)
class Normal:
    mean: float
    std: float
    low: float | None = None
    high: float | None = None

    def support(self) -> tuple[float, float]:
        return (-math.inf if self.low is None else self.low,
                math.inf if self.high is None else self.high)

    def to_dict(self) -> Any:
        out: dict[str, Any] = {"mean": self.mean, "std": self.std}
        if self.low is not None:
            out["min"] = self.low
        if self.high is not None:
            out["max"] = self.high
        return {"normal": out}


@dataclass(frozen=True)
class LogUniform:
    low: float
    high: float

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_dict(self) -> Any:
        return {"loguniform": [self.low, self.high]}


@dataclass(frozen=True)
class RandInt:
    low: int
    high: int

    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def to_dict(self) -> Any:
        return {"randint": [self.low, self.high]}


@dataclass(frozen=True)
class Choice:
    values: tuple[Any, ...]
    weights: tuple[float, ...] | None = None

    def support(self) -> tuple[float, float]:
        return (min(self.values), max(self.values))

    def to_dict(self) -> Any:
        if self.weights is None:
            return {"choice": list(self.values)}
        return {"choice": {"values": list(self.values), "weights": list(self.weights)}}


Param = Const | Uniform | Normal | LogUniform | RandInt | Choice


def is_distribution(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in DISTRIBUTION_KEYS


def parse_number(node: Node, *, minimum: float | None = None, maximum: float | None = None,
                 positive: bool = False, integer: bool = False) -> Param:
    """A numeric field: a number or a distribution whose whole support satisfies the bounds."""
    if is_distribution(node.value):
        dist = _parse_distribution(node, integer=integer)
        if isinstance(dist, Choice) and not all(is_number(v) for v in dist.values):
            raise node.error("expected a choice of numbers")
        lo, hi = dist.support()
        if positive and not lo > 0:
            raise node.error("expected a distribution of positive values (its support reaches "
                             f"{lo:g}; clip a normal with min)", show_value=False)
        if minimum is not None and lo < minimum:
            raise node.error(f"expected a distribution of values >= {minimum:g} (its support "
                             f"reaches {lo:g}; clip a normal with min)", show_value=False)
        if maximum is not None and hi > maximum:
            raise node.error(f"expected a distribution of values <= {maximum:g} (its support "
                             f"reaches {hi:g}; clip a normal with max)", show_value=False)
        return dist
    if isinstance(node.value, dict):
        raise node.error("expected a number or one distribution of "
                         + ", ".join(DISTRIBUTION_KEYS))
    value = node.integer(minimum=None if minimum is None else math.ceil(minimum),
                         maximum=None if maximum is None else math.floor(maximum)) if integer \
        else node.number(minimum=minimum, maximum=maximum, positive=positive)
    if integer and positive and value <= 0:
        raise node.error("expected a positive integer")
    return Const(value)


def parse_choice_of(node: Node, choices: set[str] | None = None) -> Param:
    """A string field that may be randomised with ``choice`` (materials, classes, assets)."""
    if is_distribution(node.value):
        dist = _parse_distribution(node, integer=False)
        if not isinstance(dist, Choice):
            raise node.error("expected a string or {choice: [...]} of strings")
        for i, v in enumerate(dist.values):
            Node(v, node.file, f"{node.path}.choice[{i}]").string(choices)
        return dist
    return Const(node.string(choices))


def _parse_distribution(node: Node, *, integer: bool) -> Param:
    kind = next(iter(node.value))
    arg = node.get(kind)
    if integer and kind not in ("randint", "choice"):
        raise node.error(f"expected an integer or a randint/choice distribution, not {kind}",
                         show_value=False)
    if kind == "choice":
        return _parse_choice(arg, integer=integer)
    if kind == "normal":
        return _parse_normal(arg)
    low, high = _pair(arg, integer=(kind == "randint"))
    if low > high:
        raise arg.error("expected low <= high")
    if kind == "loguniform" and low <= 0:
        raise arg.error("expected 0 < low <= high for loguniform")
    if kind == "randint":
        return RandInt(int(low), int(high))
    return Uniform(low, high) if kind == "uniform" else LogUniform(low, high)


def _pair(arg: Node, *, integer: bool) -> tuple[float, float]:
    items = arg.sequence(2, 2)
    if integer:
        return items[0].integer(), items[1].integer()
    return items[0].number(), items[1].number()


def _parse_normal(arg: Node) -> Normal:
    if isinstance(arg.value, list):
        mean_node, std_node = arg.sequence(2, 2)
    else:
        arg.mapping({"mean", "std", "min", "max"}, required={"mean", "std"})
        mean_node, std_node = arg.get("mean"), arg.get("std")
    mean, std = mean_node.number(), std_node.number()
    if std < 0:
        raise std_node.error("expected std >= 0")
    low = arg.get("min").number() if arg.has("min") else None
    high = arg.get("max").number() if arg.has("max") else None
    if low is not None and high is not None and low > high:
        raise arg.error("expected min <= max")
    return Normal(mean, std, low, high)


def _parse_choice(arg: Node, *, integer: bool = False) -> Choice:
    if isinstance(arg.value, dict):
        arg.mapping({"values", "weights"}, required={"values"})
        values_node = arg.get("values")
        weights_node = arg.get("weights") if arg.has("weights") else None
    else:
        values_node, weights_node = arg, None
    values = [v.value for v in values_node.sequence(min_len=1)]
    for i, v in enumerate(values):
        value_node = Node(v, arg.file, values_node.child_path(i))
        if integer:
            value_node.integer()
        elif not (is_number(v) or isinstance(v, str)):
            raise value_node.error("expected a number or string")
    weights = None
    if weights_node is not None:
        items = weights_node.sequence(len(values), len(values))
        weights = tuple(w.number(minimum=0.0) for w in items)
        if sum(weights) <= 0:
            raise weights_node.error("expected weights with a positive sum")
    return Choice(tuple(values), weights)


def to_plain(value: Any) -> Any:
    """Parameter trees (dicts, tuples of Params) back to YAML-able data."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value

