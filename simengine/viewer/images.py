"""Colour maps and PNG encoding for the viewer's image layers.

Every function takes one frame's array and returns ``uint8`` RGB or RGBA; layers meant to
be drawn over the RGB image are transparent where they carry nothing (no hit, background),
so the page can blend them without knowing what "nothing" means for each array.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

# Turbo colour map (Mikhailov 2019), polynomial fit: coefficients of t^0..t^5 per channel.
_TURBO = np.array([
    [0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943],
    [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604],
    [0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973],
])
# Magma-like stops for spectrograms (dark = quiet).
_MAGMA = np.array([[0, 0, 4], [59, 15, 112], [140, 41, 129], [222, 73, 104],
                   [254, 159, 109], [252, 253, 191]], np.float64)


def palette(n: int = 64) -> np.ndarray:
    """``n`` distinct RGB colours for ids (class or instance ``i`` gets ``i % n``): golden-
    ratio hue steps, two saturation/value levels so neighbours differ."""
    i = np.arange(n)
    hue = (i * 0.618033988749895 + 0.13) % 1.0
    sat = np.where(i % 2 == 0, 0.75, 0.55)
    val = np.where(i % 3 == 0, 0.95, 0.8)
    rgb = hsv_to_rgb(hue, sat, val)
    rgb[0] = (128, 128, 128)  # id 0 (background / none) when drawn at all
    return rgb


def hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Vectorised HSV (all in [0, 1]) to uint8 RGB, shape ``(*h.shape, 3)``."""
    h, s, v = np.broadcast_arrays(np.asarray(h, float), np.asarray(s, float),
                                  np.asarray(v, float))
    i = np.floor(h * 6.0).astype(int) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.clip(np.stack([r, g, b], -1) * 255 + 0.5, 0, 255).astype(np.uint8)


PALETTE = palette()


def turbo(t: np.ndarray) -> np.ndarray:
    """Turbo colours for ``t`` in [0, 1] (clipped), uint8 RGB."""
    t = np.clip(np.asarray(t, np.float64), 0.0, 1.0)
    powers = np.stack([t**p for p in range(6)], -1)
    return np.clip(powers @ _TURBO.T * 255 + 0.5, 0, 255).astype(np.uint8)


def _normalise(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """``values`` mapped to [0, 1] between the 1st and 99th percentile of the valid ones
    (robust to a few far hits and to the far plane)."""
    if not valid.any():
        return np.zeros(values.shape)
    lo, hi = np.percentile(values[valid], [1.0, 99.0])
    return (values - lo) / max(hi - lo, 1e-9)


def _rgba(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return np.concatenate([rgb, np.where(alpha, 255, 0).astype(np.uint8)[..., None]], -1)


def colour_distance(distance: np.ndarray) -> np.ndarray:
    """Depth or range (metres, 0/inf/NaN = no hit): near red, far blue, RGBA."""
    d = np.asarray(distance, np.float64)
    valid = np.isfinite(d) & (d > 0)
    t = 1.0 - _normalise(np.where(valid, d, 0.0), valid)
    return _rgba(turbo(t), valid)


def colour_ids(ids: np.ndarray) -> np.ndarray:
    """Instance or class ids coloured from :data:`PALETTE`, transparent where id <= 0."""
    ids = np.asarray(ids).astype(np.int64)
    return _rgba(PALETTE[np.mod(ids, len(PALETTE))], ids > 0)


def colour_normals(normals: np.ndarray) -> np.ndarray:
    """Unit normals as (n + 1) / 2, transparent where the normal is 0 (no hit)."""
    n = np.nan_to_num(np.asarray(normals, np.float64))
    valid = np.abs(n).sum(-1) > 0
    rgb = np.clip((n + 1.0) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    return _rgba(rgb, valid)


def colour_flow(flow: np.ndarray) -> np.ndarray:
    """Optical flow on the usual colour wheel: hue = direction, saturation = magnitude
    relative to the frame's largest (99th percentile) motion; still pixels are white."""
    f = np.nan_to_num(np.asarray(flow, np.float64))
    mag = np.hypot(f[..., 0], f[..., 1])
    scale = max(float(np.percentile(mag, 99.0)), 1e-6)
    hue = (np.arctan2(-f[..., 1], -f[..., 0]) / (2 * np.pi) + 0.5) % 1.0
    rgb = hsv_to_rgb(hue, np.clip(mag / scale, 0.0, 1.0), np.ones_like(mag))
    return _rgba(rgb, np.ones(mag.shape, bool))


def colour_mask(mask: np.ndarray) -> np.ndarray:
    """True pixels magenta, the rest transparent."""
    m = np.asarray(mask, bool)
    rgb = np.broadcast_to(np.array([255, 0, 255], np.uint8), (*m.shape, 3))
    return _rgba(rgb, m)


def colour_spectrogram(db: np.ndarray, dynamic_range: float = 80.0) -> np.ndarray:
    """A (mels, frames) dB array as an RGB image, low frequencies at the bottom, the top
    ``dynamic_range`` dB mapped onto a magma-like ramp."""
    d = np.asarray(db, np.float64)[::-1]
    top = float(np.max(d)) if d.size else 0.0
    t = np.clip((d - (top - dynamic_range)) / dynamic_range, 0.0, 1.0) * (len(_MAGMA) - 1)
    i = np.minimum(t.astype(int), len(_MAGMA) - 2)
    w = (t - i)[..., None]
    rgb = _MAGMA[i] * (1 - w) + _MAGMA[i + 1] * w
    return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)


def shrink(image: np.ndarray, width: int) -> np.ndarray:
    """``image`` scaled down (area filter) to at most ``width`` pixels wide; never enlarged."""
    h, w = image.shape[:2]
    if w <= width:
        return image
    size = (width, max(1, round(h * width / w)))
    return np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX))


def png(image: np.ndarray) -> bytes:
    """PNG bytes of a uint8 (H, W), (H, W, 3) or (H, W, 4) image (fast compression: the
    server runs on the user's machine, bandwidth is free, latency is not)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image, np.uint8)).save(buf, format="PNG",
                                                                compress_level=1)
    return buf.getvalue()
