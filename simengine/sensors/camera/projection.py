"""Camera model: pinhole intrinsics with Brown–Conrady distortion (OpenCV's convention).

Frames and pixels follow OpenCV: the optical frame is x right, y down, z forward, and the
centre of pixel (u, v) is at (u, v) in ``K``'s coordinates. Distortion maps normalized
undistorted coordinates (x, y) = (X/Z, Y/Z) to distorted ones (dist = k1, k2, p1, p2, k3):
x_d = x c + 2 p1 x y + p2 (r² + 2 x²), y_d = y c + p1 (r² + 2 y²) + 2 p2 x y with
c = 1 + k1 r² + k2 r⁴ + k3 r⁶, r² = x² + y².
``project`` applies it (as ``cv2.projectPoints`` with rvec = tvec = 0); ``undistort_points``
inverts it (bracketed radial Newton, then 2D Newton to machine precision). A distortion that
is not one-to-one over the image raises ``ValueError`` naming ``distortion`` at construction.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

_MAX_ITER = 100
_CONVERGED_PX = 1e-6  # residual (px) above which a point is reported as not invertible


@dataclass(frozen=True, eq=False)
class CameraModel:
    """Intrinsics and distortion of one camera.

    Attributes
    ----------
    width, height : int
        Image size in pixels.
    K : np.ndarray
        (3, 3) float64 ``[[fx, 0, cx], [0, fy, cy], [0, 0, 1]]`` (no skew), read-only.
    dist : np.ndarray
        (5,) float64 ``k1, k2, p1, p2, k3``; zeros for a pinhole camera. Read-only.
    """

    width: int
    height: int
    K: np.ndarray
    dist: np.ndarray

    def __post_init__(self) -> None:
        K = np.array(self.K, dtype=np.float64)
        dist = np.array(self.dist, dtype=np.float64).reshape(-1)
        if self.width < 1 or self.height < 1:
            raise ValueError(f"camera size must be positive, got {self.width}x{self.height}")
        if (K.shape != (3, 3) or not np.all(np.isfinite(K)) or K[0, 0] <= 0 or K[1, 1] <= 0
                or K[0, 1] != 0 or K[1, 0] != 0 or np.any(K[2] != (0.0, 0.0, 1.0))):
            raise ValueError(f"K must be finite [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] with "
                             f"fx, fy > 0 (no skew), got {K.tolist()}")
        if dist.shape != (5,) or not np.all(np.isfinite(dist)):
            raise ValueError(f"distortion must be 5 finite numbers (k1, k2, p1, p2, k3), "
                             f"got {self.dist!r}")
        for name, value in (("width", int(self.width)), ("height", int(self.height)),
                            ("K", K), ("dist", dist)):
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, name, value)
        self._check_invertible()

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CameraModel:
        """Build from CAMERA sensor params.

        ``width``, ``height``; ``hfov_deg`` (fx = fy = 0.5·W / tan(hfov/2)) or ``fx`` (``fy``
        defaults to fx); ``cx``, ``cy`` default to ((W − 1)/2, (H − 1)/2); ``distortion`` is
        5 numbers (k1, k2, p1, p2, k3) or absent/None for a pinhole camera.

        Raises
        ------
        ValueError
            If the intrinsics are missing or invalid, or the distortion is not invertible
            over the image.
        """
        w, h = int(params["width"]), int(params["height"])
        if params.get("fx") is not None:
            fx = float(params["fx"])
            fy = float(params["fy"]) if params.get("fy") is not None else fx
        elif params.get("hfov_deg") is not None:
            fx = fy = 0.5 * w / math.tan(math.radians(float(params["hfov_deg"])) / 2)
        else:
            raise ValueError("camera needs either hfov_deg or fx")
        cx = float(params["cx"]) if params.get("cx") is not None else (w - 1) / 2
        cy = float(params["cy"]) if params.get("cy") is not None else (h - 1) / 2
        K = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
        d = params.get("distortion")
        return cls(w, h, K, np.zeros(5) if d is None else np.asarray(d, dtype=np.float64))

    @property
    def key(self) -> tuple[int, int, tuple[float, ...], tuple[float, ...]]:
        """Hashable identity: (width, height, K entries, distortion)."""
        return self.width, self.height, tuple(self.K.ravel().tolist()), tuple(self.dist.tolist())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CameraModel) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def pixel_rays(self, offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """Unit rays (H*W, 3) float64 in the optical frame through every pixel centre, or
        through the point ``offset`` (du, dv) pixels from it (a subpixel sample).

        Row-major (v outer, u inner); ray ``v * W + u`` is the undistorted direction that
        ``project`` maps to pixel (u + du, v + dv). Cached per model and offset; the array is
        read-only.
        """
        return _pixel_rays(self.key, (float(offset[0]), float(offset[1])))

    def project(self, points_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Project optical-frame points to distorted pixels (as ``cv2.projectPoints``).

        Parameters
        ----------
        points_cam : np.ndarray
            (N, 3) points in the optical frame.

        Returns
        -------
        uv : np.ndarray
            (N, 2) float64 distorted pixel coordinates (for every point, as OpenCV does).
        valid : np.ndarray
            (N,) bool, True where z > 0 (in front of the camera).
        """
        p = np.asarray(points_cam, dtype=np.float64).reshape(-1, 3)
        z = p[:, 2]
        z_inv = np.divide(1.0, z, out=np.ones_like(z), where=z != 0)  # OpenCV: z = 0 → 1
        xy_d = self._distort(p[:, 0] * z_inv, p[:, 1] * z_inv)
        return xy_d * (self.K[0, 0], self.K[1, 1]) + (self.K[0, 2], self.K[1, 2]), z > 0

    def undistort_points(self, uv: np.ndarray) -> np.ndarray:
        """Invert distortion: pixels (N, 2) → normalized undistorted (N, 2) x = X/Z, y = Y/Z.

        NaN where there is no inverse (beyond the fold; never inside the image).
        """
        uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
        fx, fy, cx, cy = self.K[0, 0], self.K[1, 1], self.K[0, 2], self.K[1, 2]
        xd, yd = (uv[:, 0] - cx) / fx, (uv[:, 1] - cy) / fy
        x, y = self._solve(xd, yd)
        out = np.stack([x, y], axis=1)
        res = self._distort(x, y) * (fx, fy) + (cx, cy) - uv
        out[~(np.abs(res).max(axis=1) <= _CONVERGED_PX)] = np.nan
        return out

    def _distort(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Brown–Conrady on (N,) normalized x, y → (N, 2) distorted, OpenCV's expression."""
        k1, k2, p1, p2, k3 = self.dist
        r2 = x * x + y * y
        c = 1 + ((k3 * r2 + k2) * r2 + k1) * r2
        return np.stack([x * c + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
                         y * c + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y], axis=1)

    def _radial(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Radial function g(r) = r·c(r) and its derivative g'(r), elementwise."""
        k1, k2, _, _, k3 = self.dist
        s = r * r
        return r * (1 + s * (k1 + s * (k2 + s * k3))), 1 + s * (3 * k1 + s * (5 * k2 + s * 7 * k3))

    def _solve(self, xd: np.ndarray, yd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Undistort (N,) normalized xd, yd → (N,) x, y: solve g(r) = |(xd, yd)| by Newton
        safeguarded by bisection on [0, r*] to 1e-8, then 2D Newton on the full model until
        every step is < 1e-12 relative (quadratic convergence: error then ~1e-24); NaN
        steps compare False: those points stop here and the caller flags them."""
        k1, k2, p1, p2, k3 = self.dist
        rd = np.hypot(xd, yd)
        r_lim = _smallest_positive_root([7 * k3, 0, 5 * k2, 0, 3 * k1, 0, 1])  # g'(r*) = 0
        hi = np.full_like(rd, r_lim)
        if not math.isfinite(r_lim):  # g increases without bound: double until g(hi) ≥ rd
            hi = np.maximum(rd, 1.0)
            while np.any(short := self._radial(hi)[0] < rd):
                hi = np.where(short, 2 * hi, hi)
        lo, r, dr_old = np.zeros_like(rd), np.minimum(rd, hi), hi.copy()
        for _ in range(_MAX_ITER):  # as rtsafe: bisect unless Newton stays in the bracket and
            g, dg = self._radial(r)  # its step at least halves
            lo, hi = np.where(g < rd, r, lo), np.where(g < rd, hi, r)
            with np.errstate(divide="ignore", invalid="ignore"):
                step = r - (g - rd) / dg
            shrinks = np.abs(step - r) <= np.maximum(0.5 * dr_old, 1e-8 * r)
            ok = (step >= lo) & (step <= hi) & shrinks
            r, r_prev = np.where(ok, step, 0.5 * (lo + hi)), r
            dr_old = np.abs(r - r_prev)
            if not np.any(dr_old > 1e-8 * r):
                break
        scale = np.divide(r, rd, out=np.ones_like(rd), where=rd > 0)
        x, y = xd * scale, yd * scale
        for _ in range(_MAX_ITER):
            r2 = x * x + y * y
            c = 1 + r2 * (k1 + r2 * (k2 + r2 * k3))
            dc = k1 + r2 * (2 * k2 + r2 * 3 * k3)  # dc/d(r²)
            fx_, fy_ = (self._distort(x, y) - np.stack([xd, yd], axis=1)).T
            jxx = c + 2 * x * x * dc + 2 * p1 * y + 6 * p2 * x
            jyy = c + 2 * y * y * dc + 6 * p1 * y + 2 * p2 * x
            jxy = 2 * x * y * dc + 2 * p1 * x + 2 * p2 * y  # the Jacobian is symmetric
            with np.errstate(divide="ignore", invalid="ignore"):
                det = jxx * jyy - jxy * jxy
                dx, dy = (jyy * fx_ - jxy * fy_) / det, (jxx * fy_ - jxy * fx_) / det
            x, y = x - dx, y - dy
            if not np.any(np.maximum(np.abs(dx), np.abs(dy)) > 1e-12 * np.hypot(x, y)):
                break
        return x, y

    def _check_invertible(self) -> None:
        """Raise ValueError unless the distortion is one-to-one over the whole image.

        The Jacobian is symmetric: radial eigenvalues c(r), g'(r) (g = r·c) plus a tangential
        part of norm ≤ 6|p|r, so it is positive definite (the map one-to-one) while
        min(c, g') > 6|p|r, up to r_fold. Tangential terms move points by ≤ √10·|p|·r², so the
        image (farthest corner at distorted radius rd_max) is covered if
        g(r_fold) − √10·|p|·r_fold² > rd_max. With p = 0 this is exactly "g increasing".
        """
        k1, k2, p1, p2, k3 = self.dist
        p = math.hypot(p1, p2)
        fx, fy, cx, cy = self.K[0, 0], self.K[1, 1], self.K[0, 2], self.K[1, 2]
        xs = (np.array([-0.5, self.width - 0.5]) - cx) / fx  # outer pixel edges
        ys = (np.array([-0.5, self.height - 0.5]) - cy) / fy
        rd_max = math.hypot(np.abs(xs).max(), np.abs(ys).max())
        r_fold = min(_smallest_positive_root([7 * k3, 0, 5 * k2, 0, 3 * k1, -6 * p, 1]),
                     _smallest_positive_root([k3, 0, k2, 0, k1, -6 * p, 1]))
        if math.isfinite(r_fold):
            reach = float(self._radial(np.array([r_fold]))[0][0]) - math.sqrt(10) * p * r_fold**2
            if reach <= rd_max:
                raise ValueError(f"distortion {self.dist.tolist()} is not invertible over the "
                                 f"image: it folds at distorted radius ≈ {reach:.4g} but the "
                                 f"image corners reach {rd_max:.4g}; reduce it or the FOV")


def _smallest_positive_root(coeffs: list[float]) -> float:
    """Smallest positive real root of a polynomial (highest degree first), inf if none."""
    c = np.asarray(coeffs, dtype=np.float64)  # leading terms < 1e-30 overflow np.roots and
    roots = np.roots(c[np.argmax(np.abs(c) > 1e-30):])  # only matter at r ≳ 1e5: dropped
    real = roots.real[(np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(roots)))
                      & (roots.real > 0)]
    return float(real.min()) if real.size else math.inf


@functools.lru_cache(maxsize=8)
def _pixel_rays(key: tuple[int, int, tuple[float, ...], tuple[float, ...]],
                offset: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Cached body of ``CameraModel.pixel_rays`` for the model with this ``key``."""
    w, h, k, dist = key
    model = CameraModel(w, h, np.reshape(k, (3, 3)), np.asarray(dist))
    u, v = np.meshgrid(np.arange(w, dtype=np.float64) + offset[0],
                       np.arange(h, dtype=np.float64) + offset[1])
    xy = model.undistort_points(np.stack([u.ravel(), v.ravel()], axis=1))
    if np.isnan(xy).any():  # excluded by the construction check; never silently NaN rays
        raise ValueError(f"distortion {list(dist)} is not invertible over the image")
    d = np.column_stack([xy, np.ones(len(xy))])
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    d.setflags(write=False)
    return d
