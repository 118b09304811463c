"""The scene's ``corruptions:`` section: which corrupted variants every sample carries.

.. code-block:: yaml

    corruptions:
      - name: weather            # the store group corrupted/weather/...
        corruptions: [gaussian_noise, depth_fog, motion_blur]
        policy: one              # all | one | k | compound
        severity: {randint: [1, 5]}
        sensors: [front]         # optional: only these sensors (default: every sensor the
                                 # chosen corruptions' modalities apply to)
      - name: robo3d
        suite: robo3d            # a benchmark's corruptions, its names and severity scale
        corruptions: [fog, snow] # optional with a suite: a subset of its entries (default all)
        policy: grid

A ``suite`` (``simengine.corruptions.suites``) lists the benchmark's corruptions under the
benchmark's own names; severities run over the suite's scale (1..3 for Robo3D's light,
moderate, heavy) and are recorded on it. Without ``severity`` a suite set draws it
uniformly over the whole scale.

Policies, per sample:

- ``all``: every listed corruption, each on its own: one slot per corruption.
- ``one``: one corruption drawn at random: one slot.
- ``k``: ``k`` distinct corruptions drawn at random (``k:`` required), each on its own:
  ``k`` slots.
- ``compound``: every listed corruption applied in turn to the same data: one slot.
- ``grid``: every listed corruption at every severity of the scale, each on its own:
  corruptions × severities slots, corruption-major (what a benchmark evaluation needs);
  takes no ``severity``.

``severity`` is 1..5 (1..the suite's scale), or a ``randint``/``choice`` distribution over
it, drawn per slot (per corruption in a compound slot).
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass

from ..corruptions import registry, suites  # their modules load on the first lookup
from ..corruptions.base import Corruption
from ..sensors.registry import PREFIXES  # a sensor kind's corruptions: its prefix
from .distributions import Param, RandInt, parse_number
from .node import Node

POLICIES = ("all", "one", "k", "compound", "grid")
SET_KEYS = {"name", "suite", "corruptions", "policy", "k", "severity", "sensors"}
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class CorruptionSetSpec:
    name: str
    corruptions: tuple[str, ...]
    policy: str
    k: int
    severity: Param
    sensors: tuple[str, ...] | None  # None: every sensor of a matching modality
    suite: str | None = None  # the benchmark suite the corruptions' names belong to

    @property
    def severities(self) -> int:
        """The top of the severity scale: 5, or the suite's number of levels."""
        return 5 if self.suite is None else suites.get(self.suite).severities

    @property
    def slots(self) -> int:
        """Corrupted variants per sample."""
        n = len(self.corruptions)
        return {"all": n, "one": 1, "k": self.k, "compound": 1,
                "grid": n * self.severities}[self.policy]

    def corruption(self, name: str) -> Corruption:
        """A listed corruption: the registry's, or the suite's entry on the suite's scale."""
        return registry.get(name) if self.suite is None else suites.corruption(self.suite, name)

    def to_dict(self) -> dict:
        out = {"name": self.name, "corruptions": list(self.corruptions), "policy": self.policy}
        if self.policy != "grid":
            out["severity"] = self.severity.to_dict()
        if self.suite is not None:
            out["suite"] = self.suite
        if self.policy == "k":
            out["k"] = self.k
        if self.sensors is not None:
            out["sensors"] = list(self.sensors)
        return out


def parse_corruptions(node: Node, sensor_kinds: dict[str, str]) -> tuple[CorruptionSetSpec, ...]:
    """Validate the section against the registry and the scene's sensors
    (``sensor_kinds``: sensor name → camera | lidar | microphone)."""

    sets = []
    for item in node.sequence(min_len=0):
        item.mapping(SET_KEYS, required={"name"})
        name = item.get("name").string()
        if not _NAME.match(name):
            raise item.get("name").error("expected a name of letters, digits, _ . - "
                                         "(it becomes a store path)")
        if name in {s.name for s in sets}:
            raise item.get("name").error("expected a name not used by another set")
        suite = item.get("suite").string(set(suites.names())) if item.has("suite") else None
        known = registry.names() if suite is None else list(suites.get(suite).names())
        if suite is not None and not item.has("corruptions"):
            listed = Node(list(known), item.file, item.child_path("corruptions"))
        else:
            listed = item.get("corruptions")
        corruptions = tuple(c.string(set(known)) for c in listed.sequence(min_len=1))
        if len(set(corruptions)) != len(corruptions):
            raise listed.error("expected each corruption once")
        policy = item.get("policy", "all").string(POLICIES)
        k = 1
        if policy == "k":
            k = item.get("k").integer(minimum=1, maximum=len(corruptions))
        elif item.has("k"):
            raise item.get("k").error("expected no k unless policy is k")
        top = 5 if suite is None else suites.get(suite).severities
        if policy == "grid" and item.has("severity"):
            raise item.get("severity").error("expected no severity with policy grid (it "
                                             "takes every severity)")
        default = 3 if suite is None else {"randint": [1, top]}
        severity = (RandInt(1, top) if policy == "grid" else
                    parse_number(item.get("severity", default), minimum=1, maximum=top,
                                 integer=True))
        resolve = (registry.get if suite is None else
                   lambda c, s=suite: suites.corruption(s, c))
        sensors = None
        modalities = {resolve(c).modality for c in corruptions}
        if item.has("sensors"):
            snode = item.get("sensors")
            sensors = tuple(s.string(set(sensor_kinds)) for s in snode.sequence(min_len=1))
            usable = {PREFIXES[sensor_kinds[s]] for s in sensors} | {"cross"}
            wanted = f"a corruption for the listed sensors ({', '.join(sensors)})"
        else:
            usable = {PREFIXES[k_] for k_ in sensor_kinds.values()} | {"cross"}
            wanted = "a corruption for a sensor of the scene"
        for i, c in enumerate(corruptions):
            _check_requires(resolve(c), _at(listed, i) if item.has("corruptions")
                            else item.get("suite"))
            modality = resolve(c).modality
            if modality in usable:
                continue
            if suite is not None and not item.has("corruptions"):
                raise item.get("suite").error(
                    f"expected a suite whose corruptions the sensors can take: {c} is a "
                    f"{modality} corruption (list the ones to use under corruptions)")
            raise _at(listed, i).error(f"expected {wanted}; {c} is a {modality} corruption")
        if policy == "compound" and len(modalities - {"cross"}) > 1:
            raise item.get("policy").error(
                "expected the corruptions of a compound set to share one modality "
                f"(got {', '.join(sorted(modalities))})", show_value=False)
        sets.append(CorruptionSetSpec(name, corruptions, policy, k, severity, sensors, suite))
    return tuple(sets)


def _check_requires(corruption: Corruption, node: Node) -> None:
    """Refuse a corruption whose optional packages are missing, before anything runs."""
    for module, extra in corruption.requires.items():
        if importlib.util.find_spec(module) is None:
            raise node.error(f"expected the packages {corruption.name} needs: {module} is not "
                             f"installed (pip install 'simengine[{extra}]')", show_value=False)


def _at(node: Node, i: int) -> Node:
    return Node(node.value[i], node.file, node.child_path(i))
