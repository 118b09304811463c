"""What a corruption is: a pure, labelled function of one capture.

A corruption is declared (``register``) with its modality, the physical parameter it varies
and that parameter's value for each severity level 1..5 (``levels``). It is called as
``fn(data, level, rng, context) -> Result``: ``data`` is one capture of one sensor, read-only
(clean data is never overwritten): a camera's (H, W, 3) uint8 RGB, a lidar's mapping of
``range``, ``intensity`` and ``xyz`` (a leading returns axis in dual-return mode; the result
maps the arrays it changed), or a microphone array's (C, N) float32 waveform in pascals.
``level`` is the entry of ``levels`` for the severity, ``rng`` the corruption's own stream
and ``context`` a mapping of what a physically grounded corruption needs (see
``CONTEXT_KEYS``). The result records the exact values drawn, and a
mask where data was removed or replaced.

``precipitation`` marks corruptions of falling rain or snow: ``apply`` does not apply them
in a scene whose sky is closed (a ``world.room``) and labels them as not applied, with why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any

import numpy as np

MODALITIES = ("camera", "lidar", "audio", "cross")
SEVERITIES = (1, 2, 3, 4, 5)

# What a context may hold (all optional; a corruption lists the keys it needs).
CONTEXT_KEYS = {
    # camera capture
    "depth": "(H, W) float32 metric z-depth, 0 where nothing was hit",
    "normals": "(H, W, 3) float32 camera-frame unit normals",
    "instance": "(H, W) int32 instance mask, 0 = background",
    "flow": "(H, W, 2) float32 forward optical flow to the next capture, pixels",
    "K": "(3, 3) intrinsics",
    "T_world_cam": "(4, 4) camera pose at the capture (OpenCV camera frame to world)",
    "frame_interval_s": "seconds between captures (flow's time base)",
    "airlight": "(3,) float32 linear RGB a fog or rain veil converges to: the scene's sky "
                "or, in a closed room, fog lit by its light, as the camera renders it "
                "(scene_light.py); absent for a bare image (then a grey 0.8)",
    # lidar capture
    "elevation": "(R,) beam elevations, degrees",
    "azimuth": "(C,) column azimuths, degrees",
    "semantic": "per-pixel / per-point class id",
    "intensity": "lidar intensity image",
    # lidar: "instance" is then per return (object index + 1, 0 = none), and the boxes of
    # those objects (index = instance − 1), lidar frame at the capture
    "box3d_center_lidar": "(M, 3) object box centres, lidar frame, m",
    "box3d_size": "(M, 3) object box sizes, m (lidar and camera)",
    "box3d_center_cam": "(M, 3) object box centres, camera (OpenCV) frame, m",
    "box3d_orientation_cam": "(M, 4) object box orientations, xyzw, camera frame",
    "box3d_orientation_lidar": "(M, 4) object box orientations, xyzw, lidar frame",
    "sun_direction": "(3,) unit vector towards the scene's sun in the sensor's frame at the "
                     "capture (corruptions/sun.py); absent without a sun above the horizon",
    # audio capture
    "sample_rate": "samples per second",
    "mic_positions": "(M, 3) capsule positions, metres",
    # cross-sensor (data is the mapping of every sensor's arrays, see cross/sensor.py)
    "mask_shapes": "sensor head (e.g. camera/front) → shape of its removed-data mask",
    "flows": "camera head → (F, H, W, 2) optical flow",
    "sample_rates": "audio head → samples per second",
    "sensor_contexts": "sensor head → the per-capture contexts its own corruptions get (one "
                       "for a microphone array's recording)",
}


@dataclass(frozen=True)
class Result:
    """A corrupted capture, the exact parameter values used, and where data was removed or
    replaced (None when every value was only perturbed)."""

    data: Any  # ndarray, or a mapping of the arrays changed (lidar, cross-sensor)
    params: Mapping[str, float]
    mask: Any = None  # ndarray; for cross-sensor corruptions sensor head → ndarray


@dataclass(frozen=True)
class Corruption:
    name: str
    modality: str
    parameter: str  # what ``levels`` holds, with units
    levels: tuple  # parameter value per severity 1..5
    fn: Callable[..., Result] = field(repr=False)
    needs: frozenset[str] = frozenset()
    doc: str = ""
    precipitation: bool = False  # rain or snow: falls only under an open sky
    # optional packages it imports (module name -> the simengine extra that installs it):
    # a scene naming it is refused up front when one is missing (spec/corruptions.py)
    requires: Mapping[str, str] = field(default_factory=dict)

    @property
    def severities(self) -> int:
        """How many severity levels (5 for the registry's; a suite's scale may differ)."""
        return len(self.levels)

    def level(self, severity: int) -> Any:
        if severity not in range(1, len(self.levels) + 1):
            raise ValueError(f"{self.name}: severity must be 1..{len(self.levels)}, "
                             f"got {severity!r}")
        return self.levels[severity - 1]

    def __call__(self, data: np.ndarray, severity: int, rng: np.random.Generator,
                 context: Mapping[str, Any] | None = None) -> Result:
        context = {} if context is None else context
        missing = sorted(self.needs - set(context))
        if missing:
            raise ValueError(f"{self.name}: needs {', '.join(missing)} in its context")
        if isinstance(data, Mapping):  # a lidar capture: range, intensity, xyz, ...
            clean = {k: _read_only(v) for k, v in data.items()}
        else:
            clean = _read_only(data)
        result = self.fn(clean, self.level(severity), rng, context)
        params = {"severity": float(severity), **{k: float(v) for k, v in
                                                  result.params.items()}}
        return Result(result.data, MappingProxyType(params), result.mask)


def _read_only(array) -> np.ndarray:
    view = np.asarray(array).view()
    view.flags.writeable = False  # the clean capture is never changed in place
    return view


def register(name: str, modality: str, parameter: str, levels, needs=(), doc: str = "",
             precipitation: bool = False, requires: Mapping[str, str] | None = None
             ) -> Callable[[Callable[..., Result]], Callable[..., Result]]:
    """Decorator: label ``fn(data, level, rng, context) -> Result`` as the corruption ``name``
    (its ``corruption`` attribute). The registry collects the labelled functions of the
    modules its modality subpackages list; the function itself is returned unchanged."""
    if modality not in MODALITIES:
        raise ValueError(f"{name}: modality must be one of {MODALITIES}, got {modality!r}")
    levels = tuple(levels)
    if len(levels) != len(SEVERITIES):
        raise ValueError(f"{name}: needs one level per severity 1..5, got {len(levels)}")
    unknown = set(needs) - set(CONTEXT_KEYS)
    if unknown:
        raise ValueError(f"{name}: unknown context keys {sorted(unknown)}")

    def label(fn: Callable[..., Result]) -> Callable[..., Result]:
        fn.corruption = Corruption(name, modality, parameter, levels, fn, frozenset(needs),
                                   doc or (fn.__doc__ or "").strip(), precipitation,
                                   MappingProxyType(dict(requires or {})))
        return fn

    return label


def declared_in(module: ModuleType) -> list[Corruption]:
    """The corruptions a module declares itself (not those it imports from another)."""
    return [value.corruption for value in vars(module).values()
            if isinstance(getattr(value, "corruption", None), Corruption)
            and value.__module__ == module.__name__]
