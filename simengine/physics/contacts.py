"""Impacts from PyBullet's contact points: which touches are new, and how hard they were.

PyBullet reports contact points up to its contact-breaking threshold (about 2 cm), so a
bouncing object never "leaves" contact by that measure; a pair counts as touching when a
point is within ``TOUCH_DISTANCE`` or carries a normal force (the solver resolves fast
impacts speculatively, a millimetre or two before the surfaces meet). An impact starts
when a pair touches after being apart for ``REARM_SECONDS``; its impulse is summed over
the solver steps of the following ``IMPACT_WINDOW`` (a collision is resolved over several
steps), and its speed is the relative normal speed of the two bodies just before the first
touching step.
"""

from __future__ import annotations

import math

import numpy as np

from .events import ContactEvent, SlideEpisode

MIN_IMPULSE = 1e-4  # N·s: weaker contacts are resting-contact noise, not impacts
TOUCH_DISTANCE = 1e-3  # m
REARM_SECONDS = 0.005
IMPACT_WINDOW = 0.010
# Sliding/rolling: a touching pair whose tangential relative speed stays above
# MIN_SLIDE_SPEED for at least MIN_SLIDE_SECONDS (shorter runs are the impact itself).
MIN_SLIDE_SPEED = 0.05  # m/s
MIN_SLIDE_SECONDS = 0.05


class ContactTracker:
    def __init__(self, body_info: dict[int, tuple[int, str, float]], dt: float) -> None:
        self.body_info = body_info  # body id -> (instance id, material, size)
        self.dt = dt
        self.rearm_steps = max(1, round(REARM_SECONDS / dt))
        self.window_steps = max(1, round(IMPACT_WINDOW / dt))
        self.last_touch: dict[tuple[int, int], int] = {}
        self.open: dict[tuple[int, int], dict] = {}
        self.closed: list[dict] = []
        # pair -> rows (step, normal force N, tangential speed m/s, x, y, z) of touching steps
        self.touch_log: dict[tuple[int, int], list[tuple]] = {}

    def update(self, step: int, points, velocities: dict) -> None:
        """Feed one step's ``getContactPoints()``; ``velocities`` (body -> linear velocity;
        a body not in it is at rest) are from before the step."""
        pairs: dict[tuple[int, int], list[tuple]] = {}
        last_a = last_b = -2
        pts: list[tuple] = []
        for c in points:
            if c[8] > TOUCH_DISTANCE and c[9] <= 0.0:
                continue
            a, b = c[1], c[2]
            if a == last_a and b == last_b:  # a manifold's points come one after another
                pts.append(c)
                continue
            last_a, last_b = a, b
            key = (a, b) if a < b else (b, a)
            pts = pairs.get(key)
            if pts is None:
                pts = pairs[key] = [c]
            else:
                pts.append(c)
        window_steps, open_events = self.window_steps, self.open
        for key in sorted(pairs):
            pts = pairs[key]
            impulse = self._log(step, key, pts, velocities) * self.dt
            previous = self.last_touch.get(key)
            self.last_touch[key] = step
            event = open_events.get(key)
            if event is not None and step - event["step"] < window_steps:
                event["impulse"] += impulse
                continue
            if event is not None:
                self.closed.append(open_events.pop(key))
            if previous is not None and step - previous <= self.rearm_steps:
                continue  # still the same, continuing contact
            open_events[key] = self._start(step, key, pts, impulse, velocities)
        if open_events:
            for key in [k for k, e in open_events.items() if step - e["step"] >= window_steps]:
                self.closed.append(open_events.pop(key))

    def _start(self, step: int, key: tuple[int, int], pts, impulse: float,
               velocities: dict[int, np.ndarray]) -> dict:
        weights = np.array([max(c[9], 1e-12) for c in pts])
        pos = np.average([c[6] for c in pts], axis=0, weights=weights)
        # PyBullet's normal points from B to A; orient it for the sorted key (a = key[0])
        normal = np.average([np.asarray(c[7]) * (1.0 if c[1] == key[0] else -1.0) for c in pts],
                            axis=0, weights=weights)
        normal /= max(float(np.linalg.norm(normal)), 1e-12)
        va = np.asarray(velocities.get(key[0], (0.0, 0.0, 0.0)), np.float64)
        vb = np.asarray(velocities.get(key[1], (0.0, 0.0, 0.0)), np.float64)
        return {"step": step, "key": key, "position": pos, "normal": normal,
                "impulse": impulse, "speed": float(abs(np.dot(va - vb, normal)))}

    def _log(self, step: int, key: tuple[int, int], pts, velocities) -> float:
        """Record the pair's normal force and tangential speed (only read by ``slides``);
        returns the force (N).

        Plain float arithmetic: this runs for every touching pair at every step, where
        numpy's per-call overhead cost more than the rest of the physics step. The sums run
        in the points' order, so every float is the same whatever the code around them."""
        force = wsum = px = py = pz = nx = ny = nz = 0.0
        first = key[0]
        for c in pts:
            f = c[9]
            w = 1e-12 if f < 1e-12 else f  # max(f, 1e-12), NaN passing through as max does
            force += f
            wsum += w
            x, y, z = c[6]
            px += w * x
            py += w * y
            pz += w * z
            sign = w if c[1] == first else -w
            x, y, z = c[7]
            nx += sign * x
            ny += sign * y
            nz += sign * z
        norm = math.sqrt(nx * nx + ny * ny + nz * nz)
        norm = max(norm, 1e-12)
        nx, ny, nz = nx / norm, ny / norm, nz / norm
        va, vb = velocities.get(first), velocities.get(key[1])
        if va is None:
            va = (0.0, 0.0, 0.0)
        if vb is None:
            vb = (0.0, 0.0, 0.0)
        r0, r1, r2 = va[0] - vb[0], va[1] - vb[1], va[2] - vb[2]
        along = r0 * nx + r1 * ny + r2 * nz
        # ``** 2`` and ``0.0 if t < 0.0 else t`` (max's choice: -0.0 and NaN pass) keep
        # the floats of the first version of this code
        t = r0 ** 2 + r1 ** 2 + r2 ** 2 - along * along
        tangential = math.sqrt(0.0 if t < 0.0 else t)
        log = self.touch_log.get(key)
        if log is None:
            log = self.touch_log[key] = []
        log.append((step, force, tangential, px / wsum, py / wsum, pz / wsum))
        return force

    def slides(self) -> tuple[SlideEpisode, ...]:
        """Sustained sliding/rolling contacts, in order of start step then pair."""
        min_steps = max(2, round(MIN_SLIDE_SECONDS / self.dt))
        out: list[tuple[int, tuple[int, int], np.ndarray]] = []
        for key in sorted(self.touch_log):
            rows = np.array(self.touch_log[key], np.float64)
            moving = (rows[:, 2] > MIN_SLIDE_SPEED) & (rows[:, 1] > 0.0)
            runs, start = [], None
            for i in range(len(rows)):
                if not moving[i]:
                    if start is not None:
                        runs.append((start, i))
                    start = None
                elif start is None:
                    start = i
                elif rows[i, 0] - rows[i - 1, 0] > self.rearm_steps:  # a gap: a new episode
                    runs.append((start, i))
                    start = i
            if start is not None:
                runs.append((start, len(rows)))
            out += [(int(rows[a, 0]), key, rows[a:b]) for a, b in runs if b - a >= min_steps]
        episodes = []
        for _, key, rows in sorted(out, key=lambda e: (e[0], e[1])):
            ia, ma, sa = self.body_info[key[0]]
            ib, mb, sb = self.body_info[key[1]]
            episodes.append(SlideEpisode(
                instance_a=ia, instance_b=ib, material_a=ma, material_b=mb, size_a=sa,
                size_b=sb, times=rows[:, 0] * self.dt, force=rows[:, 1].copy(),
                speed=rows[:, 2].copy(), position=np.ascontiguousarray(rows[:, 3:6])))
        return tuple(episodes)

    def events(self) -> tuple[ContactEvent, ...]:
        out = []
        for e in sorted([*self.closed, *self.open.values()], key=lambda e: (e["step"], e["key"])):
            if e["impulse"] < MIN_IMPULSE:
                continue
            ia, ma, sa = self.body_info[e["key"][0]]
            ib, mb, sb = self.body_info[e["key"][1]]
            out.append(ContactEvent(
                time=e["step"] * self.dt, instance_a=ia, instance_b=ib, material_a=ma,
                material_b=mb, size_a=sa, size_b=sb, position=tuple(map(float, e["position"])),
                normal=tuple(map(float, e["normal"])), impulse=float(e["impulse"]),
                speed=e["speed"]))
        return tuple(out)
