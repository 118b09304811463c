"""A PyBullet world for one sample: build, step on the schedule, record contacts, snapshot.

A fresh DIRECT-mode client per sample (save/restoreState is not deterministic in PyBullet),
closed by the ``with`` block. Blow-ups are detected at every capture and at the end of the
run and reported as ``BlowUpError``; what to do then (``world.on_blowup``) is the caller's
policy (``simengine.attempts``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._pybullet import pybullet as p
from ..geometry.scene_geometry import PartDesc
from ..instance import SceneInstance
from ..spec.scene import ScheduleSpec, WorldSpec
from .actors import Actor
from .bodies import EnvironmentPart, environment_parts, spawn_environment, spawn_object
from .contacts import ContactTracker
from .events import Recording
from .parts import object_parts
from .snapshot import ObjectState, Snapshot, read_object_state


class BlowUpError(Exception):
    """The simulation produced NaNs, flung bodies out of bounds or exceeded max speed."""


@dataclass(frozen=True)
class SimulationResult:
    snapshots: tuple[Snapshot, ...]  # one per capture time
    recording: Recording
    environment: tuple[EnvironmentPart, ...]
    object_parts: tuple[tuple[PartDesc, ...], ...]  # visual parts of each object


class World:
    """One PyBullet client holding one scene instance."""

    def __init__(self, instance: SceneInstance, schedule: ScheduleSpec, world: WorldSpec) -> None:
        self.instance = instance
        self.schedule = schedule
        self.world = world
        self.client = p.connect(p.DIRECT)
        try:
            self._build()
        except Exception:
            self.close()
            raise

    def __enter__(self) -> World:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None and self.client >= 0:
            p.disconnect(physicsClientId=self.client)
        self.client = None

    def _build(self) -> None:
        c = self.client
        p.setGravity(*self.instance.gravity, physicsClientId=c)
        p.setTimeStep(self.schedule.time_step, physicsClientId=c)
        p.setPhysicsEngineParameter(deterministicOverlappingPairs=1, physicsClientId=c)
        self.environment = tuple(environment_parts(self.instance))
        # body id -> (instance id, material, characteristic size)
        self.body_info: dict[int, tuple[int, str, float]] = {}
        for part in self.environment:
            self.body_info[spawn_environment(part, c)] = (0, part.material, 1.0)
        self.bodies: list[int] = []
        parts = []
        for obj in self.instance.objects:
            body = spawn_object(obj, c, visual=False)  # never rendered: no visual shape
            self.bodies.append(body)
            parts.append(object_parts(obj, body, c))
            self.body_info[body] = (obj.instance_id, obj.material, max(obj.size))
        self.object_parts = tuple(parts)
        # kinematic actors by object index: moved by us, not by the dynamics
        self.actors = {i: Actor(obj) for i, obj in enumerate(self.instance.objects)
                       if obj.motion is not None}

    # --- running ------------------------------------------------------------------------
    def run(self) -> SimulationResult:
        s = self.schedule
        c = self.client
        dt = s.time_step
        settle_steps = round(s.settle_time / dt)
        total_steps = settle_steps + round(s.duration / dt)
        capture_steps = [settle_steps + round(t / dt) for t in s.capture_times]
        snapshots: list[Snapshot] = []
        tracker = ContactTracker(self.body_info, dt)
        # Per step, only what can change is read from PyBullet: a fixed body never moves
        # (its position is read once, its velocity is zero like the environment's), an
        # actor's velocity is the one we gave it, and nothing is read during the settle
        # time but the velocities the first recorded step needs.
        moving = self._moving_bodies()
        dynamic = [b for i, b in moving.items() if i not in self.actors]
        positions = [p.getBasePositionAndOrientation(b, physicsClientId=c)[0]
                     for b in self.bodies]
        trajectory: list[list[tuple[float, float, float]]] = []  # object positions per step
        step_simulation, get_contacts = p.stepSimulation, p.getContactPoints
        get_position, get_velocity = p.getBasePositionAndOrientation, p.getBaseVelocity
        velocities = self._drive_actors(-settle_steps * dt)
        for step in range(total_steps + 1):
            recording = step >= settle_steps
            if step > 0:
                step_simulation(physicsClientId=c)
                if step > settle_steps:
                    tracker.update(step - settle_steps, get_contacts(physicsClientId=c),
                                   velocities)
                velocities = self._drive_actors((step - settle_steps) * dt)
            if recording:
                # velocities before the next step (tracker.update reads them after it)
                for b in dynamic:
                    velocities[b] = get_velocity(b, physicsClientId=c)[0]
                for i, b in moving.items():
                    positions[i] = get_position(b, physicsClientId=c)[0]
                trajectory.append(positions.copy())
            while capture_steps and capture_steps[0] == step:
                capture_steps.pop(0)
                snap = self.snapshot((step - settle_steps) * dt)
                self._check(snap)
                snapshots.append(snap)
        self._check(self.snapshot(s.duration))
        positions = np.asarray(trajectory, np.float64).reshape(len(trajectory),
                                                               len(self.bodies), 3)
        times = np.arange(positions.shape[0]) * dt
        recording = Recording(tracker.events(), s.duration, slides=tracker.slides(),
                              trajectories=positions, trajectory_dt=dt,
                              actors=tuple(self.actors[i].track(times)
                                           for i in sorted(self.actors)))
        return SimulationResult(tuple(snapshots), recording, self.environment,
                                self.object_parts)

    def snapshot(self, t: float) -> Snapshot:
        states: list[ObjectState] = [
            self.actors[i].state(t) if i in self.actors else read_object_state(b, self.client)
            for i, b in enumerate(self.bodies)]
        return Snapshot(time=t, objects=tuple(states))

    def _moving_bodies(self) -> dict[int, int]:
        """Object index -> body of every object that can move (dynamic ones and actors)."""
        return {i: b for i, (obj, b) in enumerate(zip(self.instance.objects, self.bodies,
                                                      strict=True))
                if not obj.fixed or i in self.actors}

    def _drive_actors(self, t: float) -> dict[int, list[float]]:
        """Put every actor at its true pose and velocity for time ``t`` (the next step moves
        it on by that velocity; the one after puts it exactly where it should be again).
        Returns body -> the linear velocity given (what ``getBaseVelocity`` then reads)."""
        given = {}
        for i, actor in self.actors.items():
            com, orn, lin, ang = actor.drive(t)
            body = self.bodies[i]
            p.resetBasePositionAndOrientation(body, com, orn, physicsClientId=self.client)
            p.resetBaseVelocity(body, lin, ang, physicsClientId=self.client)
            given[body] = lin
        return given

    def _check(self, snap: Snapshot) -> None:
        lo, hi = np.asarray(self.world.bounds_min), np.asarray(self.world.bounds_max)
        for obj, state in zip(self.instance.objects, snap.objects, strict=True):
            values = np.concatenate([state.position, state.orientation, state.linear_velocity,
                                     state.angular_velocity])
            if not np.all(np.isfinite(values)):
                raise BlowUpError(f"object {obj.index} ({obj.class_name}) has non-finite state")
            if np.any(state.position < lo) or np.any(state.position > hi):
                raise BlowUpError(f"object {obj.index} ({obj.class_name}) left the world bounds")
            if np.linalg.norm(state.linear_velocity) > self.world.max_speed:
                raise BlowUpError(f"object {obj.index} ({obj.class_name}) exceeds max_speed")


def simulate(instance: SceneInstance, schedule: ScheduleSpec, world: WorldSpec
             ) -> SimulationResult:
    """Run the physics of one instance on the schedule; BlowUpError when it blows up."""
    with World(instance, schedule, world) as w:
        return w.run()
