"""Named dimensions of a store's arrays (``simengine.open_xarray``).

The store records each array's shape, not what its axes mean; the meaning follows from the
key (``camera/<s>/depth`` is frame × y × x, ``objects/position`` frame × object × xyz) and
the sizes the scene fixed (frames, object and event capacities, each sensor's resolution).
Each array's axes after ``sample`` take, left to right, the first remaining structural
dimension of its family with the same size (``frame`` is absent from ``camera/<s>/K``);
the axes left over are components named by what they hold (``channel``, ``xyz``, ``xyzw``,
``uv``, ``row4``/``col4`` ...). A dimension name means one size in an xarray Dataset, so
a name two sensors use with different sizes (two cameras of different resolutions) is
qualified with the sensor's name: ``y_front``, ``y_rear``.

Plain Python: no xarray, no dask.
"""

from __future__ import annotations

from collections.abc import Mapping

SAMPLE = "sample"
# per-object labels of a camera or lidar (the other arrays of those sensors are per pixel
# or per beam)
OBJECT_LEAVES = {"boxes2d", "visible_pixels", "boxes2d_amodal", "unoccluded_pixels",
                 "visibility", "box3d_center_cam", "box3d_size", "box3d_orientation_cam",
                 "pose_cam", "box3d_corners_2d", "points_per_object", "box3d_center_lidar",
                 "box3d_orientation_lidar"}
CORRUPTION_FIELDS = {"applied", "severity"}  # per corruption of a set: (n,)


def array_dims(shapes: Mapping[str, tuple[int, ...]]) -> dict[str, tuple[str, ...]]:
    """Dimension names (``sample`` first) of every array, key → names; ``shapes`` are the
    arrays' full shapes (sample axis included), keyed as in the store."""
    sizes = _Sizes(shapes)
    dims = {k: (SAMPLE, *_sample_dims(k, shape[1:], sizes)) for k, shape in shapes.items()}
    return _qualify_conflicts(dims, shapes)


class _Sizes:
    """The sizes the scene fixed, read from arrays every store of that shape has."""

    def __init__(self, shapes: Mapping[str, tuple[int, ...]]) -> None:
        self.shapes = shapes

    def axis(self, key: str, axis: int) -> int | None:
        shape = self.shapes.get(key)
        return shape[axis] if shape is not None and len(shape) > axis else None

    @property
    def frame(self) -> int | None:
        return self.axis("meta/time", 1)

    @property
    def object(self) -> int | None:
        return self.axis("objects/class_id", 1)

    @property
    def event(self) -> int | None:
        return self.axis("events/time", 1)


def _split(key: str) -> tuple[str, str]:
    """(clean key, corruption set or ''): ``corrupted/<set>/<slot>/<clean key>``."""
    parts = key.split("/")
    if parts[0] == "corrupted" and len(parts) > 3:
        return "/".join(parts[3:]), parts[1]
    return key, ""


def _structural(key: str, sizes: _Sizes) -> list[tuple[str, int | None]]:
    """The structural dimensions an array of ``key`` may have, in axis order."""
    clean, cset = _split(key)
    parts = clean.split("/")
    group, leaf = parts[0], parts[-1].removesuffix("_mask")
    frame, obj = ("frame", sizes.frame), ("object", sizes.object)
    if cset and clean in CORRUPTION_FIELDS:
        n = sizes.axis(key, 1)
        return [(f"{cset}_corruption", n)]
    if group == "camera" and len(parts) > 2:
        head = "/".join(parts[:2])
        if leaf in OBJECT_LEAVES:
            return [frame, obj]
        return [frame, ("y", sizes.axis(f"{head}/rgb", 2)), ("x", sizes.axis(f"{head}/rgb", 3))]
    if group == "lidar" and len(parts) > 2:
        head = "/".join(parts[:2])
        ring, column = (("ring", sizes.axis(f"{head}/elevation", 1)),
                        ("column", sizes.axis(f"{head}/azimuth", 1)))
        if leaf in OBJECT_LEAVES:
            return [frame, obj]
        if leaf in ("elevation", "laser_id"):
            return [ring]
        if leaf == "azimuth":
            return [column]
        rng = sizes.shapes.get(f"{head}/range", ())
        slots = [("return", rng[2])] if len(rng) == 5 else []  # dual-return lidars
        return [frame, *slots, ring, column]
    if group == "audio" and len(parts) > 2:
        head = "/".join(parts[:2])
        mic, n_audio = (("mic", sizes.axis(f"{head}/waveform", 1)),
                        ("audio_time", sizes.axis(f"{head}/waveform", 2)))
        if len(parts) > 3 and parts[2] == "sources":
            return [("source", sizes.axis(f"{head}/sources/kind", 1))]
        if leaf == "stems":
            return [("stem", sizes.axis(key, 1)), mic, n_audio]
        if leaf == "logmel":
            return [mic, ("mel", sizes.axis(key, 2)), ("mel_frame", sizes.axis(key, 3))]
        return [mic, n_audio]
    if group == "objects":
        return [frame, obj]
    if group == "events":
        return [("event", sizes.event)]
    if clean == "meta/time":
        return [frame]
    return []


def _sample_dims(key: str, shape: tuple[int, ...], sizes: _Sizes) -> list[str]:
    candidates = _structural(key, sizes)
    dims: list[str] = []
    axis = 0
    while axis < len(shape):
        match = next((i for i, (_, n) in enumerate(candidates) if n == shape[axis]), None)
        if match is None:
            break
        dims.append(candidates[match][0])
        candidates = candidates[match + 1:]
        axis += 1
    clean, _ = _split(key)
    return dims + _components(clean.split("/")[-1], shape[axis:])


def _components(leaf: str, shape: tuple[int, ...]) -> list[str]:
    """Names of the trailing axes that are parts of one value (colour, vector, matrix)."""
    if not shape:
        return []
    known = {("rgb", (3,)): ["channel"], ("flow", (2,)): ["uv"],
             ("box3d_corners_2d", (8, 2)): ["corner", "uv"],
             ("distortion", (5,)): ["distortion_coef"]}  # OpenCV k1, k2, p1, p2, k3
    if (leaf, shape) in known:
        return known[(leaf, shape)]
    if leaf.endswith("_json") and len(shape) == 1:
        return [f"{leaf}_byte"]
    if len(shape) == 2 and shape[0] == shape[1]:
        return [f"row{shape[0]}", f"col{shape[1]}"]  # K (3 × 3), poses (4 × 4)
    if shape == (4,) and ("orientation" in leaf or "quaternion" in leaf):
        return ["xyzw"]
    if shape == (4,) and leaf.startswith("boxes2d"):
        return ["box_coord"]  # x_min, y_min, x_max, y_max
    if shape == (3,):
        return ["xyz"]
    return [f"{leaf}_dim{i}" for i in range(len(shape))]


def _qualify_conflicts(dims: dict[str, tuple[str, ...]],
                       shapes: Mapping[str, tuple[int, ...]]) -> dict[str, tuple[str, ...]]:
    """Rename a dimension used with several sizes: by sensor first, then by array."""
    for qualifier in (_sensor_of, _array_of):
        sizes: dict[str, set[int]] = {}
        for key, names in dims.items():
            for name, n in zip(names, shapes[key], strict=True):
                sizes.setdefault(name, set()).add(n)
        clashing = {name for name, ns in sizes.items() if len(ns) > 1}
        if not clashing:
            break
        dims = {key: tuple(f"{name}_{qualifier(key)}" if name in clashing else name
                           for name in names) for key, names in dims.items()}
    return dims


def _sensor_of(key: str) -> str:
    parts = _split(key)[0].split("/")
    return parts[1] if parts[0] in ("camera", "lidar", "audio") and len(parts) > 2 else parts[0]


def _array_of(key: str) -> str:
    return key.replace("/", "_")
