"""The physics loop's fast paths give the same floats as the plain code they replace: the
contact bookkeeping against a numpy reference of its formulas, an actor's drive against
its state, and a world without visual shapes against one with them."""

from __future__ import annotations

import math

import numpy as np

from simengine._pybullet import pybullet as p
from simengine.attempts import placed_instance
from simengine.physics import bodies, world
from simengine.physics.actors import Actor, com_velocity
from simengine.physics.contacts import ContactTracker
from simengine.physics.world import simulate

from .test_actors import scene, sedan
from .test_world import drop_scene


def reference_log(key, pts, velocities) -> tuple[float, float, float, float, float]:
    """Force, tangential speed and weighted contact point of one pair's points, written
    with numpy and ``max`` as the tracker first computed them."""
    w = [max(c[9], 1e-12) for c in pts]
    force = sum(c[9] for c in pts)
    pos = [sum(wi * c[6][i] for wi, c in zip(w, pts, strict=True)) / sum(w) for i in range(3)]
    n = [sum((wi if c[1] == key[0] else -wi) * c[7][i] for wi, c in zip(w, pts, strict=True))
         for i in range(3)]
    norm = max(math.sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]), 1e-12)
    n = [v / norm for v in n]
    va = velocities.get(key[0], (0.0, 0.0, 0.0))
    vb = velocities.get(key[1], (0.0, 0.0, 0.0))
    rel = [va[i] - vb[i] for i in range(3)]
    along = rel[0] * n[0] + rel[1] * n[1] + rel[2] * n[2]
    tangential = math.sqrt(max(rel[0] ** 2 + rel[1] ** 2 + rel[2] ** 2 - along * along, 0.0))
    return force, tangential, *pos


def random_points(rng, bodies_: list[int]) -> list[tuple]:
    """Contact points shaped as getContactPoints' tuples (flag, a, b, link a, link b,
    position on a, position on b, normal on b, distance, normal force, ...)."""
    out = []
    for _ in range(rng.integers(0, 12)):
        a, b = rng.choice(bodies_, 2, replace=False).tolist()
        force = float(rng.choice([0.0, -0.0, 1e-13, rng.exponential(5.0)]))
        normal = rng.normal(size=3)
        out.append((0, a, b, -1, -1, tuple(rng.normal(size=3)), tuple(rng.normal(size=3)),
                    tuple(normal / np.linalg.norm(normal)), float(rng.uniform(-0.002, 0.02)),
                    force, 0.0, (1.0, 0.0, 0.0), 0.0, (0.0, 1.0, 0.0)))
    return out


def test_contact_log_matches_the_reference_formulas_bit_for_bit():
    rng = np.random.default_rng(0)
    body_ids = [0, 1, 2, 3]
    tracker = ContactTracker({b: (b, "wood", 0.1) for b in body_ids}, 1 / 240)
    expected: dict[tuple[int, int], list[tuple]] = {}
    for step in range(1, 400):
        points = random_points(rng, body_ids)
        velocities = {b: tuple(rng.normal(size=3).tolist()) for b in (1, 2)}  # 0, 3 at rest
        if step % 7 == 0:
            velocities[1] = (0.0, -0.0, 0.0)
        tracker.update(step, points, velocities)
        pairs: dict[tuple[int, int], list[tuple]] = {}
        for c in points:
            if c[8] > 1e-3 and c[9] <= 0.0:
                continue
            pairs.setdefault((min(c[1], c[2]), max(c[1], c[2])), []).append(c)
        for key, pts in pairs.items():
            expected.setdefault(key, []).append((step, *reference_log(key, pts, velocities)))
    assert expected.keys() == tracker.touch_log.keys()
    for key, rows in expected.items():
        got = np.array(tracker.touch_log[key], np.float64)
        assert got.tobytes() == np.array(rows, np.float64).tobytes()


def test_actor_drive_is_its_state_bit_for_bit():
    spec = scene([sedan([[0, 0], [10, 0], [10, 10]], 5.0)], (1.0,))
    instance = placed_instance(spec, 0, 0)
    actor = Actor(next(o for o in instance.objects if o.motion is not None))
    for step in range(-20, 1200, 7):  # the settle time, both segments, the corner, the end
        t = step / 240
        st = actor.state(t)
        com, orn = st.links[0]
        expected = [com.tolist(), orn.tolist(), com_velocity(st).tolist(),
                    st.angular_velocity.tolist()]
        got = actor.drive(t)
        assert np.concatenate(got).tobytes() == np.concatenate(expected).tobytes()


def test_a_world_without_visual_shapes_simulates_the_same(monkeypatch):
    mug = {"name": "mug", "template": {"shape": "procedural", "generator": "mug",
                                       "mass": 0.3, "material": "ceramic", "class": "mug"},
           "position": [0.02, 0.0, 0.9]}
    spec = drop_scene(0.4, restitution=0.5, duration=0.8, extra_objects=[mug])
    instance = placed_instance(spec, 0, 0)
    plain = simulate(instance, spec.schedule, spec.world)
    monkeypatch.setattr(world, "spawn_object",
                        lambda obj, client, visual=True: bodies.spawn_object(obj, client))
    drawn = simulate(instance, spec.schedule, spec.world)
    a, b = plain.recording, drawn.recording
    assert len(a.events) >= 1 and a.events == b.events
    assert a.trajectories.tobytes() == b.trajectories.tobytes()
    assert [s.force.tobytes() + s.speed.tobytes() for s in a.slides] == \
        [s.force.tobytes() + s.speed.tobytes() for s in b.slides]


def test_an_actor_velocity_given_is_what_pybullet_reads_back():
    """The loop passes an actor's velocity on as given instead of reading it back."""
    spec = scene([sedan([[0, 0], [10, 0], [10, 10]], 5.0)], (1.0,))
    with world.World(placed_instance(spec, 0, 0), spec.schedule, spec.world) as w:
        for step in range(0, 600, 5):
            given = w._drive_actors(step / 240)
            for body, lin in given.items():
                assert tuple(lin) == p.getBaseVelocity(body, physicsClientId=w.client)[0]
            p.stepSimulation(physicsClientId=w.client)
