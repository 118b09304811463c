"""The scene's ``corruptions:`` section: which corrupted variants every sample carries.

.. code-block:: yaml

    corruptions:
      - name: weather            # the store group corrupted/weather/...
        corruptions: [gaussian_noise, depth_fog, motion_blur]
        policy: one              # all | one | k | compound
        severity: {randint: [1, 5]}
        sensors: [front]         # optional: only these sensors (default: every sensor the
                                 # chosen corruptions' modalities apply to)

Policies, per sample:

- ``all``: every listed corruption, each on its own: one slot per corruption.
- ``one``: one corruption drawn at random: one slot.
- ``k``: ``k`` distinct corruptions drawn at random (``k:`` required), each on its own:
  ``k`` slots.
- ``compound``: every listed corruption applied in turn to the same data: one slot.

``severity`` is 1..5, or a ``randint``/``choice`` distribution over 1..5, drawn per slot
(per corruption in a compound slot).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..corruptions import registry  # its corruption modules load on the first lookup
from ..sensors.registry import PREFIXES  # a sensor kind's corruptions: its prefix
from .distributions import Param, parse_number
from .node import Node

POLICIES = ("all", "one", "k", "compound")
SET_KEYS = {"name", "corruptions", "policy", "k", "severity", "sensors"}
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class CorruptionSetSpec:
    name: str
    corruptions: tuple[str, ...]
    policy: str
    k: int
    severity: Param
    sensors: tuple[str, ...] | None  # None: every sensor of a matching modality

    @property
    def slots(self) -> int:
        """Corrupted variants per sample."""
        return {"all": len(self.corruptions), "one": 1, "k": self.k, "compound": 1}[self.policy]

    def to_dict(self) -> dict:
        out = {"name": self.name, "corruptions": list(self.corruptions), "policy": self.policy,
               "severity": self.severity.to_dict()}
        if self.policy == "k":
            out["k"] = self.k
        if self.sensors is not None:
            out["sensors"] = list(self.sensors)
        return out


def parse_corruptions(node: Node, sensor_kinds: dict[str, str]) -> tuple[CorruptionSetSpec, ...]:
    """Validate the section against the registry and the scene's sensors
    (``sensor_kinds``: sensor name → camera | lidar | microphone)."""

    known = registry.names()
    sets = []
    for item in node.sequence(min_len=0):
        item.mapping(SET_KEYS, required={"name", "corruptions"})
        name = item.get("name").string()
        if not _NAME.match(name):
            raise item.get("name").error("expected a name of letters, digits, _ . - "
                                         "(it becomes a store path)")
        if name in {s.name for s in sets}:
            raise item.get("name").error("expected a name not used by another set")
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
        severity = parse_number(item.get("severity", 3), minimum=1, maximum=5, integer=True)
        sensors = None
        modalities = {registry.get(c).modality for c in corruptions}
        if item.has("sensors"):
            snode = item.get("sensors")
            sensors = tuple(s.string(set(sensor_kinds)) for s in snode.sequence(min_len=1))
            covered = {PREFIXES[sensor_kinds[s]] for s in sensors} | {"cross"}
            for i, c in enumerate(corruptions):
                if registry.get(c).modality not in covered:
                    raise _at(listed, i).error(
                        f"expected a corruption for the listed sensors ({', '.join(sensors)}); "
                        f"{c} is a {registry.get(c).modality} corruption")
        else:
            present = {PREFIXES[k_] for k_ in sensor_kinds.values()} | {"cross"}
            for i, c in enumerate(corruptions):
                if registry.get(c).modality not in present:
                    raise _at(listed, i).error(
                        f"expected a corruption for a sensor of the scene; {c} needs a "
                        f"{registry.get(c).modality} sensor")
        if policy == "compound" and len(modalities - {"cross"}) > 1:
            raise item.get("policy").error(
                "expected the corruptions of a compound set to share one modality "
                f"(got {', '.join(sorted(modalities))})", show_value=False)
        sets.append(CorruptionSetSpec(name, corruptions, policy, k, severity, sensors))
    return tuple(sets)


def _at(node: Node, i: int) -> Node:
    return Node(node.value[i], node.file, node.child_path(i))
