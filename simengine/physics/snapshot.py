"""Snapshot(t): every object's state at one capture time, read from PyBullet."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._pybullet import pybullet as p
from ..geometry.transforms import matrix_to_quat, quat_to_matrix


@dataclass(frozen=True)
class ObjectState:
    """World-frame state of one object; ``links`` are centre-of-mass frames of every link
    (base first) as (position, xyzw quaternion), which is what visual frames hang off."""

    position: np.ndarray  # object (base link) frame origin, world
    orientation: np.ndarray  # xyzw
    linear_velocity: np.ndarray
    angular_velocity: np.ndarray
    links: tuple[tuple[np.ndarray, np.ndarray], ...]
    # a walking actor's posed mesh at this instant (None: the object's own mesh)
    mesh_source: Any = None


@dataclass(frozen=True)
class Snapshot:
    time: float  # seconds since the start of the recording window
    objects: tuple[ObjectState, ...]


def read_object_state(body: int, client: int) -> ObjectState:
    com_pos, com_orn = p.getBasePositionAndOrientation(body, physicsClientId=client)
    lin, ang = p.getBaseVelocity(body, physicsClientId=client)
    links = [(np.asarray(com_pos), np.asarray(com_orn))]
    for j in range(p.getNumJoints(body, physicsClientId=client)):
        st = p.getLinkState(body, j, computeLinkVelocity=0, physicsClientId=client)
        links.append((np.asarray(st[0]), np.asarray(st[1])))
    # The base's reported pose is its centre-of-mass frame; the object frame (URDF base link
    # frame, or the shape's own frame) is offset by the local inertial frame.
    inertial_pos, inertial_orn = p.getDynamicsInfo(body, -1, physicsClientId=client)[3:5]
    R_com = quat_to_matrix(com_orn)
    R_inertial = quat_to_matrix(inertial_orn)
    R_obj = R_com @ R_inertial.T
    pos = np.asarray(com_pos) - R_obj @ np.asarray(inertial_pos)
    if np.allclose(inertial_orn, (0, 0, 0, 1)):
        orn = np.asarray(com_orn, dtype=np.float64)
    else:
        orn = np.asarray(matrix_to_quat(R_obj))
    return ObjectState(position=pos, orientation=orn, linear_velocity=np.asarray(lin),
                       angular_velocity=np.asarray(ang), links=tuple(links))
