"""Sensors riding an actor: ``pose: {attach: GROUP}`` must name a group of exactly one
object that moves (``motion``), so that "the actor" the mount pose refers to is one body
with a true pose at every time (``SensorInstance.pose_at``)."""

from __future__ import annotations

from .distributions import Const
from .node import Node
from .scene import GroupSpec, SensorMountSpec


def check_attachments(node: Node, sensors: list[SensorMountSpec],
                      groups: list[GroupSpec]) -> None:
    """``node``: the scene's ``sensors`` sequence (for the key paths of errors)."""
    by_name = {g.name: g for g in groups}
    for k, s in enumerate(sensors):
        if s.pose.attach is None:
            continue
        where = Node(s.pose.attach, node.file, node.child_path(k) + ".pose.attach")
        group = by_name.get(s.pose.attach)
        if group is None:
            raise where.error(f"expected the name of an object group "
                              f"({', '.join(sorted(by_name))})")
        if group.motion is None:
            raise where.error("expected a group with motion (a sensor rides a moving actor; "
                              "a static mount needs no attach)")
        if not (isinstance(group.count, Const) and group.count.value == 1):
            raise where.error("expected a group of count 1 (the sensor rides one actor)")
