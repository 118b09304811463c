"""An object nearer than the lidar's minimum range blocks its beams: no return, and nothing
behind it shows through (a real sensor's receiver is blind, the laser is still blocked)."""

from __future__ import annotations

import numpy as np

import simengine
from simengine.spec.loader import scene_from_dict


def test_objects_inside_min_range_block_the_beam():
    spec = scene_from_dict({
        "name": "blind",
        "world": {"ground": False},
        "objects": [
            {"name": "near", "template": {"shape": "box", "size": [0.2, 2.0, 2.0],
                                          "fixed": True}, "position": [0.5, 0.0, 0.0]},
            {"name": "wall", "template": {"shape": "box", "size": [0.2, 20.0, 20.0],
                                          "fixed": True}, "position": [5.0, 0.0, 0.0]},
        ],
        "simulation": {"capture_times": [0.0], "duration": 0.1},
        "sensors": [{"name": "l", "preset": "vlp16",
                     "overrides": {"columns": 360, "range_noise_std": 0.0,
                                   "beam_divergence_mrad": 0.0},
                     "pose": {"position": [0.0, 0.0, 0.0]}}],
    }, source="<blind>")
    s = simengine.Engine(spec, seed=0).sample(0)
    rng, inst = s["lidar/l/range"][0], s["lidar/l/instance"][0]
    el = np.radians(s["lidar/l/elevation"])[:, None]
    az = np.radians(s["lidar/l/azimuth"])[None, :]
    d = np.stack(np.broadcast_arrays(np.cos(el) * np.cos(az), np.cos(el) * np.sin(az),
                                     np.sin(el)), axis=-1)
    t_near = _slab(d, (0.4, -1.0, -1.0), (0.6, 1.0, 1.0))
    t_wall = _slab(d, (4.9, -10.0, -10.0), (5.1, 10.0, 10.0))
    first = np.minimum(t_near, t_wall)
    expected = np.where(first >= 0.9, first, 0.0)  # VLP-16 min range 0.9 m
    expected = np.where(np.isfinite(expected), expected, 0.0)
    blocked = t_near < 0.9
    assert blocked.sum() > 100 and (expected > 0).sum() > 100
    assert np.all(rng[blocked] == 0) and np.all(inst[blocked] == 0)
    np.testing.assert_allclose(rng, expected, rtol=1e-6, atol=1e-6)


def _slab(d: np.ndarray, lo, hi) -> np.ndarray:
    """Closed-form entry distance of rays from the origin into an axis-aligned box."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t0 = np.asarray(lo) / d
        t1 = np.asarray(hi) / d
    t_in = np.nanmax(np.minimum(t0, t1), axis=-1)
    t_out = np.nanmin(np.maximum(t0, t1), axis=-1)
    return np.where((t_in <= t_out) & (t_in > 0), t_in, np.inf)
