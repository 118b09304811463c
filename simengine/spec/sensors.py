"""The scene's ``sensors`` section: each mount's preset, parameter overrides (validated
against the sensor kind's schema, and together where parameters depend on each other) and
pose."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from ..errors import SpecError
from ..sensors.registry import KINDS, params_of
from .distributions import Choice, Const, Param, RandInt
from .fields import parse_vec3
from .node import Node, unknown_key
from .presets import load_preset
from .scene import PoseSpec, SensorMountSpec
from .schema import DOC_KEYS, merge_overrides, parse_params


def parse_sensors(node: Node, base_dir: Path) -> tuple[list[SensorMountSpec], list[dict[str, Any]]]:
    mounts: list[SensorMountSpec] = []
    plain: list[dict[str, Any]] = []
    names: set[str] = set()
    for s in node.sequence(min_len=1):
        # `kind` appears in the self-contained form written by SceneSpec.to_dict(): there the
        # overrides hold every parameter, so the preset file is not needed to reload it.
        s.mapping({"name", "preset", "pose", "overrides", "kind"},
                  required={"name", "preset", "pose"})
        name = s.get("name").string()
        if not name.replace("_", "").replace("-", "").isalnum():
            raise s.get("name").error("expected letters, digits, - or _ (it names store arrays)")
        if name in names:
            raise s.get("name").error("expected a unique sensor name")
        names.add(name)
        preset_node = s.get("preset")
        if s.has("kind"):
            kind, preset_data = s.get("kind").string(KINDS), {}
            preset_node.string()
        else:
            kind, preset_data = load_preset(preset_node, base_dir)
        overrides = s.get("overrides", {})
        overrides.mapping()
        merged_raw = merge_overrides(preset_data, overrides.value)
        merged_node = Node(merged_raw, s.file, s.child_path("overrides"))
        params = _sensor_params(kind, overrides, merged_node)
        pose = _pose(s.get("pose"))
        mounts.append(SensorMountSpec(name=name, kind=kind, preset=preset_node.value,
                                      params=params, pose=pose))
        entry = dict(s.value)
        entry["overrides"] = merged_raw
        entry["kind"] = kind
        plain.append(entry)
    return mounts, plain


def _sensor_params(kind: str, overrides: Node, merged: Node) -> dict[str, Any]:
    schema = params_of(kind)
    for key in overrides.value:
        if key not in schema and key not in DOC_KEYS:
            raise SpecError(overrides.file, overrides.child_path(key),
                            unknown_key(f"{kind} parameter", key, schema))
    params = parse_params(merged, schema)
    if kind == "camera" and "hfov_deg" not in params and "fx" not in params:
        raise merged.error("a camera needs hfov_deg or fx", show_value=False)
    if kind == "camera":
        _check_camera(params, merged)
    if kind == "lidar":
        _check_lidar(params, merged)
    if kind == "camera" and not params["near"].support()[1] < params["far"].support()[0]:
        raise merged.error("expected near < far", show_value=False)
    if kind == "microphone":
        _check_microphone(params, merged)
    return params


def _check_microphone(params: dict[str, Any], merged: Node) -> None:
    """Quantisation needs a full scale (the clipping level); one axis per capsule."""
    if params["bit_depth"].value > 0 and "clip_db_spl" not in params:
        raise merged.error("bit_depth needs clip_db_spl (the converter's full scale)",
                           show_value=False)
    if "axes" in params and len(params["axes"]) != len(params["positions"]):
        node = Node(merged.value.get("axes"), merged.file, merged.child_path("axes"))
        raise node.error(f"expected one axis per capsule ({len(params['positions'])})")
    for i, axis in enumerate(params.get("axes", ())):
        if not any(a.value for a in axis):
            node = Node(merged.value["axes"][i], merged.file, merged.child_path("axes") + f"[{i}]")
            raise node.error("expected a non-zero vector")


def _check_lidar(params: dict[str, Any], merged: Node) -> None:
    """Lidar parameters that only make sense together (checked over whole supports)."""
    def sub(key: str) -> Node:
        return Node(merged.value.get(key), merged.file, merged.child_path(key))

    if not params["min_range"].support()[1] < params["max_range"].support()[0]:
        raise merged.error("expected min_range < max_range", show_value=False)
    if "firing_cycle_us" in params:
        span = (len(params["elevations_deg"]) - 1) * params["laser_spacing_us"].support()[1]
        if span > params["firing_cycle_us"].support()[0]:
            raise sub("laser_spacing_us").error(
                f"expected the column's firings ((lasers - 1) x laser_spacing_us = {span:g} us)"
                " to fit in firing_cycle_us")
    if params["scan"].value == "spin":
        # The head turns one column (horizontal_fov_deg / columns) between the firings of
        # consecutive columns (sensors/lidar/beams.firing_times): every laser of a column
        # must have fired by then, and a device with a firing cycle (its lasers' firings
        # plus recharge) cannot start a column sooner than one cycle after the last.
        span = (len(params["elevations_deg"]) - 1) * params["laser_spacing_us"].support()[1]
        column_us = 1e6 * params["horizontal_fov_deg"].support()[0] / (
            params["columns"].value * 360.0 * params["rotation_hz"].support()[1])
        if "firing_cycle_us" in params and params["firing_cycle_us"].support()[1] > column_us:
            cycle = params["firing_cycle_us"].support()[1]
            raise sub("columns").error(
                f"expected at most one column per firing cycle: {column_us:g} us per column "
                f"(horizontal_fov_deg / columns at rotation_hz) is shorter than "
                f"firing_cycle_us = {cycle:g} us; fewer columns or a slower rotation")
        if span > column_us:
            raise sub("laser_spacing_us").error(
                f"expected the column's firings ((lasers - 1) x laser_spacing_us = {span:g} us)"
                f" to fit in the time the head turns one column (horizontal_fov_deg / columns"
                f" at rotation_hz: {column_us:g} us)")
    if "snr_noise" in params:
        points = [(s.value, n.value) for s, n in params["snr_noise"]]
        floor = params["range_noise_std"].support()[1]
        if (len(points) != 2 or min(min(p) for p in points) <= 0.0
                or points[0][0] == points[1][0] or min(n for _, n in points) <= floor
                or (points[0][0] - points[1][0]) * (points[0][1] - points[1][1]) >= 0.0):
            raise sub("snr_noise").error(
                "expected two [SNR, std] points, std above range_noise_std and lower at the "
                "higher SNR")
        if "detection_range_m" not in params:
            raise sub("snr_noise").error("snr_noise needs detection_range_m (SNR is relative "
                                         "to the detection floor)", show_value=False)
    if params["return_mode"].value == "dual" and (
            params["beam_samples"].value < 2
            or params["beam_divergence_mrad"].support()[0] <= 0.0):
        raise sub("return_mode").error(
            "dual returns need beam_divergence_mrad > 0 and beam_samples >= 2")


def _check_camera(params: dict[str, Any], merged: Node) -> None:
    """Camera parameters that only make sense together: a stereo depth model needs its
    baseline and subpixel figures; the lens distortion must be invertible over the image
    for every value its distributions can draw (checked at the corners of their ranges)."""
    if params["depth_noise"].value and not ("depth_baseline_m" in params
                                             and "depth_subpixel" in params):
        raise merged.error("depth_noise needs depth_baseline_m and depth_subpixel",
                           show_value=False)
    if "exposure_ev100" in params and "auto_exposure" in params \
            and params["auto_exposure"].value:
        raise merged.get("auto_exposure").error(
            "expected either a fixed exposure_ev100 or auto_exposure, not both",
            show_value=False)
    if "distortion" not in params:
        return
    from ..sensors.camera.projection import CameraModel

    ranges = [d.support() for d in params["distortion"]]
    # the widest view: the largest field of view, the shortest focal lengths
    base = {k: v.support()[1] if k == "hfov_deg" else v.support()[0]
            for k, v in params.items() if k in ("width", "height", "hfov_deg", "fx", "fy",
                                                "cx", "cy")}
    for corner in itertools.product(*ranges):
        try:
            CameraModel.from_params({**base, "distortion": list(corner)})
        except ValueError as exc:
            node = Node(merged.value.get("distortion"), merged.file,
                        merged.child_path("distortion"))
            raise node.error(f"expected an invertible lens distortion ({exc})",
                             show_value=False) from None


def _pose(node: Node) -> PoseSpec:
    node.mapping({"position", "look_at", "up", "euler_deg", "velocity", "angular_velocity",
                  "attach"}, required={"position"})
    if node.has("attach"):  # which group it names is checked with the groups (spec.attach)
        node.get("attach").string()
        for key in ("velocity", "angular_velocity"):
            if node.has(key):
                raise node.get(key).error("not used with attach (the sensor moves with the "
                                          "actor it rides)", show_value=False)
    if node.has("look_at") and node.has("euler_deg"):
        raise node.error("expected either look_at or euler_deg, not both", show_value=False)
    up = node.get("up", [0.0, 0.0, 1.0]).numbers(3)
    if not any(up):
        raise node.get("up").error("expected a non-zero vector")
    pose = PoseSpec(position=parse_vec3(node.get("position")),
                    look_at=parse_vec3(node.get("look_at")) if node.has("look_at") else None,
                    up=up,
                    euler_deg=parse_vec3(node.get("euler_deg")) if node.has("euler_deg") else None,
                    velocity=parse_vec3(node.get("velocity")) if node.has("velocity") else None,
                    angular_velocity=(parse_vec3(node.get("angular_velocity"))
                                      if node.has("angular_velocity") else None),
                    attach=node.get("attach").value if node.has("attach") else None)
    if pose.look_at is not None and all(
            _may_coincide(a, b) for a, b in zip(pose.position, pose.look_at, strict=True)):
        raise node.get("look_at").error("expected a point away from position")
    return pose


def _may_coincide(a: Param, b: Param) -> bool:
    """Can two coordinates be equal with non-zero probability? (Only discrete ones can.)"""
    if isinstance(a, RandInt):
        a, b = b, a
    if isinstance(a, RandInt):
        return max(a.low, b.low) <= min(a.high, b.high)
    if not isinstance(a, Const | Choice) or not isinstance(b, Const | Choice | RandInt):
        return False
    values = (a.value,) if isinstance(a, Const) else a.values
    if isinstance(b, RandInt):
        return any(float(v).is_integer() and b.low <= v <= b.high for v in values)
    others = (b.value,) if isinstance(b, Const) else b.values
    return any(abs(x - y) < 1e-6 for x in values for y in others)
