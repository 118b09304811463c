"""Kinematic actors: objects a group's ``motion`` drives along a path (``instance.paths``).

An actor is not simulated by PyBullet's dynamics: it is a body of mass 0 (PyBullet then
moves it by the velocity it is given but no force or contact moves it), put at its true pose
and given its true linear and angular velocity before every physics step, so dynamic
objects it meets are pushed by a body that really moves. Snapshots report its true state
(``actor_state``), not PyBullet's copy of it, so labels and sensors see the exact motion.

A walking generator (``pedestrian``) also moves its limbs: its ``gait_phase`` advances with
the distance walked, phase = phase0 + distance / stride (the stride of the gait model for
its stature and step ratio, ``meta["stride"]`` of its mesh), so a stance foot stays still on
the ground. The phase of the mesh drawn at a capture is quantised to ``1 / PHASE_STEPS`` of
a cycle, so at most ``PHASE_STEPS`` meshes per pedestrian are ever generated (each is cached
per generator and parameter values); a stance foot then stands up to stride / (2 x
PHASE_STEPS) (about 6 mm at a 1.4 m stride) from where the exact phase puts it.
"""

from __future__ import annotations

import numpy as np

from ..assets.procedural import GeneratedMesh, generated_mesh
from ..geometry.transforms import quat_from_euler, quat_to_matrix
from ..instance import ObjectInstance
from ..instance.paths import PathMotion
from .bodies import inertial_offset
from .snapshot import ObjectState

PHASE_STEPS = 128  # quantisation of a walker's gait phase: meshes per cycle
WALKERS = {"pedestrian": "gait_phase"}  # generator -> its gait phase parameter


class Actor:
    """One kinematic actor's motion, and what its body looks like at time t."""

    def __init__(self, obj: ObjectInstance) -> None:
        m = obj.motion
        self.obj = obj
        self.path = PathMotion(m["path"], m["speed"], m["loop"])
        self.height = float(obj.position[2])
        self.offset = np.asarray(inertial_offset(obj), np.float64)  # centre of mass, local
        self.stride = None
        if obj.generator in WALKERS:
            self.phase_key = WALKERS[obj.generator]
            self.stride = float(generated_mesh(obj.mesh_source).meta["stride"])

    def state(self, t: float) -> ObjectState:
        """The actor's true state at ``t`` s into the recording (t < 0: the settle time)."""
        pt = self.path.at(t)
        position = np.array([pt.xy[0], pt.xy[1], self.height])
        orientation = np.asarray(quat_from_euler(0.0, 0.0, pt.yaw), np.float64)
        lin = np.array([pt.velocity[0], pt.velocity[1], 0.0])
        ang = np.array([0.0, 0.0, pt.yaw_rate])
        com = position + quat_to_matrix(orientation) @ self.offset
        return ObjectState(position=position, orientation=orientation, linear_velocity=lin,
                           angular_velocity=ang, links=((com, orientation),),
                           mesh_source=self.mesh_at(pt.travelled))

    def mesh_at(self, travelled: float) -> GeneratedMesh | None:
        """The posed mesh after walking ``travelled`` metres (None: the actor's own mesh)."""
        if self.stride is None:
            return None
        params = dict(self.obj.params)
        phase = params[self.phase_key] + travelled / self.stride
        params[self.phase_key] = float(np.round(phase * PHASE_STEPS) % PHASE_STEPS
                                       / PHASE_STEPS)
        return GeneratedMesh.of(self.obj.generator, params)


def com_velocity(state: ObjectState) -> np.ndarray:
    """Linear velocity of the centre of mass (what PyBullet's base velocity is)."""
    com = state.links[0][0]
    return state.linear_velocity + np.cross(state.angular_velocity, com - state.position)
