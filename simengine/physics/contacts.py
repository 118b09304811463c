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

    def update(self, step: int, points, velocities: dict[int, np.ndarray]) -> None:
        """Feed one step's ``getContactPoints()``; ``velocities`` are from before the step."""
        pairs: dict[tuple[int, int], list[tuple]] = {}
        for c in points:
            if c[8] > TOUCH_DISTANCE and c[9] <= 0.0:
                continue
            a, b = c[1], c[2]
            pairs.setdefault((a, b) if a < b else (b, a), []).append(c)
        for key in sorted(pairs):
            pts = pairs[key]
            impulse = sum(c[9] for c in pts) * self.dt
            self._log(step, key, pts, velocities)
            previous = self.last_touch.get(key)
            self.last_touch[key] = step
            event = self.open.get(key)
            if event is not None and step - event["step"] < self.window_steps:
                event["impulse"] += impulse
                continue
            if event is not None:
                self.closed.append(self.open.pop(key))
            if previous is not None and step - previous <= self.rearm_steps:
                continue  # still the same, continuing contact
            self.open[key] = self._start(step, key, pts, impulse, velocities)
        for key in [k for k, e in self.open.items() if step - e["step"] >= self.window_steps]:
            self.closed.append(self.open.pop(key))

    def _start(self, step: int, key: tuple[int, int], pts, impulse: float,
               velocities: dict[int, np.ndarray]) -> dict:
        weights = np.array([max(c[9], 1e-12) for c in pts])
        pos = np.average([c[6] for c in pts], axis=0, weights=weights)
        # PyBullet's normal points from B to A; orient it for the sorted key (a = key[0])
        normal = np.average([np.asarray(c[7]) * (1.0 if c[1] == key[0] else -1.0) for c in pts],
                            axis=0, weights=weights)
        normal /= max(float(np.linalg.norm(normal)), 1e-12)
        va = velocities.get(key[0], np.zeros(3))
        vb = velocities.get(key[1], np.zeros(3))
        return {"step": step, "key": key, "position": pos, "normal": normal,
                "impulse": impulse, "speed": float(abs(np.dot(va - vb, normal)))}

    def _log(self, step: int, key: tuple[int, int], pts, velocities) -> None:
        """Record the pair's normal force and tangential speed (only read by ``slides``).

        Plain float arithmetic: this runs for every touching pair at every step, where
        numpy's per-call overhead cost more than the rest of the physics step."""
        force = wsum = px = py = pz = nx = ny = nz = 0.0
        for c in pts:
            w = max(c[9], 1e-12)
            force += c[9]
            wsum += w
            px += w * c[6][0]
            py += w * c[6][1]
            pz += w * c[6][2]
            sign = w if c[1] == key[0] else -w
            nx += sign * c[7][0]
            ny += sign * c[7][1]
            nz += sign * c[7][2]
        norm = max(math.sqrt(nx * nx + ny * ny + nz * nz), 1e-12)
        nx, ny, nz = nx / norm, ny / norm, nz / norm
        va, vb = velocities.get(key[0]), velocities.get(key[1])
        rel = [(va[i] if va is not None else 0.0) - (vb[i] if vb is not None else 0.0)
               for i in range(3)]
        along = rel[0] * nx + rel[1] * ny + rel[2] * nz
        tangential = math.sqrt(max(rel[0] ** 2 + rel[1] ** 2 + rel[2] ** 2 - along * along,
                                   0.0))
        self.touch_log.setdefault(key, []).append(
            (step, force, tangential, px / wsum, py / wsum, pz / wsum))

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
