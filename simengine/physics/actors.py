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

A ``cyclist`` pedals the same way: its ``pedal_phase`` advances by one crank turn per
development (the wheel's rolling circumference, ``meta["wheel_radius"]``, times
``GEAR_RATIO``), quantised alike (1/128 turn, 2.8 deg of crank).
"""

from __future__ import annotations

import numpy as np

from ..assets.procedural import GeneratedMesh, generated_mesh
from ..geometry.transforms import quat_from_euler, quat_to_matrix
from ..instance import ObjectInstance
from ..instance.paths import PathMotion, PathPoint
from .bodies import inertial_offset
from .events import ActorTrack
from .snapshot import ObjectState

PHASE_STEPS = 128  # quantisation of a walker's gait phase: meshes per cycle
# A middle gear of a commuter bicycle: 65 gear inches on a 700C wheel (27.2 in with 35 mm
# tyres) is a ratio of about 2.4, inside the 40-90 in a flat commute needs; the crank then
# turns once per ~5.2 m, 58 rpm at 18 km/h (docs/references.md#actors-cycling).
GEAR_RATIO = 2.4


def _stride(meta: dict) -> float:
    return float(meta["stride"])


def _development(meta: dict) -> float:
    """Metres ridden per crank turn: the wheel's rolling circumference x the gear ratio."""
    return 2.0 * np.pi * float(meta["wheel_radius"]) * GEAR_RATIO


# generator -> (its cycle phase parameter, metres travelled per cycle from its mesh meta)
CYCLES = {"pedestrian": ("gait_phase", _stride), "cyclist": ("pedal_phase", _development)}


class Actor:
    """One kinematic actor's motion, and what its body looks like at time t."""

    def __init__(self, obj: ObjectInstance) -> None:
        m = obj.motion
        self.obj = obj
        self.path = PathMotion(m["path"], m["speed"], m["loop"])
        self.height = float(obj.position[2])
        self.offset = np.asarray(inertial_offset(obj), np.float64)  # centre of mass, local
        self.stride = None  # metres per cycle of the gait or the cranks
        if obj.generator in CYCLES:
            self.phase_key, per_cycle = CYCLES[obj.generator]
            self.stride = per_cycle(generated_mesh(obj.mesh_source).meta)
        # path points by time: the physics steps and the track ask for the same instants
        self._points: dict[float, PathPoint] = {}

    def _at(self, t: float) -> PathPoint:
        pt = self._points.get(t)
        if pt is None:
            pt = self._points[t] = self.path.at(t)
        return pt

    def _kinematics(self, t: float):
        """(path point, origin, orientation xyzw, linear and angular velocity, centre of
        mass) at ``t``: the one computation both ``state`` and ``drive`` use."""
        pt = self._at(t)
        position = np.array([pt.xy[0], pt.xy[1], self.height])
        orientation = np.asarray(quat_from_euler(0.0, 0.0, pt.yaw), np.float64)
        lin = np.array([pt.velocity[0], pt.velocity[1], 0.0])
        ang = np.array([0.0, 0.0, pt.yaw_rate])
        com = position + quat_to_matrix(orientation) @ self.offset
        return pt, position, orientation, lin, ang, com

    def state(self, t: float) -> ObjectState:
        """The actor's true state at ``t`` s into the recording (t < 0: the settle time)."""
        pt, position, orientation, lin, ang, com = self._kinematics(t)
        return ObjectState(position=position, orientation=orientation, linear_velocity=lin,
                           angular_velocity=ang, links=((com, orientation),),
                           mesh_source=self.mesh_at(pt.travelled))

    def drive(self, t: float) -> tuple[list[float], list[float], list[float], list[float]]:
        """What PyBullet is given before a step at ``t``: centre-of-mass position,
        orientation (xyzw), centre-of-mass velocity (``com_velocity``) and angular velocity;
        ``state`` without posing the mesh, which only snapshots need."""
        _, position, orientation, lin, ang, com = self._kinematics(t)
        # com_velocity's lin + np.cross(ang, com - position), written out in floats: the
        # same products and differences in the same order as numpy's cross
        a0, a1, a2 = ang.tolist()
        b0, b1, b2 = (com - position).tolist()
        v0, v1, v2 = lin.tolist()
        lin_com = [v0 + (a1 * b2 - a2 * b1), v1 + (a2 * b0 - a0 * b2), v2 + (a0 * b1 - a1 * b0)]
        return com.tolist(), orientation.tolist(), lin_com, [a0, a1, a2]

    def track(self, times: np.ndarray) -> ActorTrack:
        """The actor's exact motion at ``times`` (s into the recording), for its sounds."""
        points = [self._at(float(t)) for t in times]
        xy = np.array([pt.xy for pt in points], np.float64).reshape(-1, 2)
        position = np.column_stack([xy, np.full(len(points), self.height)])
        speed = np.array([np.hypot(*pt.velocity) for pt in points], np.float64)
        cycle = None
        if self.stride is not None:
            travelled = np.array([pt.travelled for pt in points], np.float64)
            cycle = float(self.obj.params[self.phase_key]) + travelled / self.stride
        return ActorTrack(self.obj.instance_id, np.asarray(times, np.float64),
                          np.ascontiguousarray(position), speed, cycle)

    def mesh_at(self, travelled: float) -> GeneratedMesh | None:
        """The posed mesh after walking or riding ``travelled`` metres (None: the actor's
        own mesh)."""
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
