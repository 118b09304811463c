"""From the rays that sample a beam to the returns a lidar reports (strongest, last, dual).

A beam's K sub-rays (see ``beams.subray_offsets``) are sorted by range and split into
echoes wherever consecutive ranges differ by more than ``return_separation_m`` (two pulses
closer than that merge in the receiver). An echo's power is the mean of its rays' powers (a
ray that hits nothing contributes nothing), its range the power-weighted mean range, its
labels those of its strongest ray. Echoes below the detection floor are not returns.

Return modes, as Velodyne's: ``strongest``; ``last`` (the farthest); ``dual`` = (strongest,
last), and when the strongest is also the last, the second slot holds the second strongest.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Returns(NamedTuple):
    """Per return slot (S = 1, or 2 for dual) and beam: range (inf = none), power, part
    and mesh triangle."""

    range: np.ndarray  # (S, N) float64
    power: np.ndarray  # (S, N) float64
    part: np.ndarray  # (S, N) int32, -1 = none
    triangle: np.ndarray  # (S, N) int32 index into the geometry's triangles, -1 = none


def single_ray_returns(t: np.ndarray, power: np.ndarray, part: np.ndarray, floor: float,
                       slots: int, triangle: np.ndarray | None = None) -> Returns:
    """Beams sampled by one ray: one echo each (slot 0), detected if at the floor."""
    ok = (power > 0.0) & (power >= floor)
    rng = np.full((slots, len(t)), np.inf)
    pw = np.zeros((slots, len(t)))
    pt = np.full((slots, len(t)), -1, np.int32)
    tri = np.full((slots, len(t)), -1, np.int32)
    rng[0] = np.where(ok, t, np.inf)
    pw[0] = np.where(ok, power, 0.0)
    pt[0] = np.where(ok, part, -1)
    if triangle is not None:
        tri[0] = np.where(ok, triangle, -1)
    return Returns(rng, pw, pt, tri)


def group_returns(t: np.ndarray, power: np.ndarray, part: np.ndarray, separation: float,
                  floor: float, mode: str, triangle: np.ndarray | None = None) -> Returns:
    """Echoes of E beams each sampled by K rays (arrays (E, K)), reduced to the mode's
    return slots (see the module docstring)."""
    if triangle is None:
        triangle = np.full(t.shape, -1, np.int32)
    E, K = t.shape
    live = np.isfinite(t) & (power > 0.0)
    order = np.argsort(np.where(live, t, np.inf), axis=1, kind="stable")
    ts = np.take_along_axis(np.where(live, t, np.inf), order, axis=1)
    ps = np.take_along_axis(np.where(live, power, 0.0), order, axis=1)
    parts = np.take_along_axis(part, order, axis=1)
    tris = np.take_along_axis(triangle, order, axis=1)
    with np.errstate(invalid="ignore"):  # inf − inf between two dead rays: no new echo
        split = np.diff(ts, axis=1) > separation
    echo = np.concatenate([np.zeros((E, 1), np.int64), np.cumsum(split, axis=1)], axis=1)
    flat = (np.arange(E)[:, None] * K + echo).ravel()
    energy = np.bincount(flat, ps.ravel() / K, minlength=E * K).reshape(E, K)
    weighted = np.bincount(flat, (ps * np.where(np.isfinite(ts), ts, 0.0)).ravel(),
                           minlength=E * K).reshape(E, K)
    with np.errstate(invalid="ignore", divide="ignore"):
        rng = np.where(energy > 0.0, weighted / (energy * K), np.inf)
    # labels of each echo's strongest ray: sort by (echo, power), keep each echo's last
    by = np.lexsort((ps.ravel(), flat))
    last = np.append(flat[by][1:] != flat[by][:-1], True)
    label = np.full(E * K, -1, np.int32)
    label[flat[by][last]] = parts.ravel()[by][last]
    label = label.reshape(E, K)
    label_tri = np.full(E * K, -1, np.int32)
    label_tri[flat[by][last]] = tris.ravel()[by][last]
    label_tri = label_tri.reshape(E, K)
    detected = (energy > 0.0) & (energy >= floor)
    slots = 2 if mode == "dual" else 1
    rows = np.arange(E)
    strongest = np.argmax(np.where(detected, energy, -1.0), axis=1)
    farthest = np.argmax(np.where(detected, rng, -np.inf), axis=1)
    picks = [farthest if mode == "last" else strongest]
    if mode == "dual":
        second = np.where(detected, energy, -1.0)
        second[rows, strongest] = -1.0
        runner_up = np.argmax(second, axis=1)
        picks.append(np.where(farthest != strongest, farthest, runner_up))
    out = Returns(np.full((slots, E), np.inf), np.zeros((slots, E)),
                  np.full((slots, E), -1, np.int32), np.full((slots, E), -1, np.int32))
    for s, pick in enumerate(picks):
        ok = detected[rows, pick]
        if s == 1:
            ok &= pick != strongest
        out.range[s] = np.where(ok, rng[rows, pick], np.inf)
        out.power[s] = np.where(ok, energy[rows, pick], 0.0)
        out.part[s] = np.where(ok, label[rows, pick], -1)
        out.triangle[s] = np.where(ok, label_tri[rows, pick], -1)
    return out


def edge_beams(t: np.ndarray, part: np.ndarray, jumps: np.ndarray, separation: float,
               wrap: bool) -> np.ndarray:
    """Beams (R, C) whose centre ray ends on another part than a 4-neighbour's (or one hits
    and the other misses), or, where ``jumps`` (R, C) marks parts that can occlude
    themselves (meshes), at a range step beyond ``separation``: the only beams whose
    footprint can straddle an edge when objects are wider than the beam spacing (a thin one
    between two beams is missed, as by the centre rays alone). A range step on a convex
    part or the ground is the beam spacing at a grazing angle, not an edge. ``wrap``: the
    columns close a circle."""
    edge = np.zeros(t.shape, bool)
    tt = np.where(np.isfinite(t), t, np.inf)
    for axis in (0, 1):
        b_t, b_p = np.roll(tt, -1, axis=axis), np.roll(part, -1, axis=axis)
        with np.errstate(invalid="ignore"):
            step = (np.abs(tt - b_t) > separation) & jumps & (part == b_p)
        differs = (part != b_p) | step
        if axis == 0:
            differs[-1, :] = False
        elif not wrap:
            differs[:, -1] = False
        edge |= differs | np.roll(differs, 1, axis=axis)
    return edge
