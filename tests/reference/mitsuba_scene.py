"""Export one camera frame (our geometry, colours, camera and lights) to Mitsuba 3 and render it.

Mitsuba 3 (``scalar_rgb`` variant, CPU) is the independent path tracer the camera's shading
is compared with (docs/references.md#mitsuba-reference). Conventions, as the camera has them:

- Geometry: a ``SceneGeometry`` part is posed by ``rot`` (R_world_part) and ``pos``. A box has
  half extents ``params`` (Mitsuba's ``cube`` spans [-1, 1]³, so it is scaled by them); a
  sphere radius ``params[0]``; a cylinder and a capsule radius ``params[0]`` and half length
  ``params[1]`` along the part's z; a mesh's triangles (``tris``, part frame) are scaled by
  ``params`` per axis. Every surface gets a ``twosided`` BSDF: our renderer shades whichever
  side a ray meets (meshes have either winding).
- Colour: scene colours (``color``) are sRGB-encoded and decoded with the assets' decoder
  (``simengine.assets.look.srgb_to_linear``), as ``shading.shade_frame`` does; a mesh's
  part colours (``look_color``) are linear already.
- Camera: ``CameraModel`` K, optical frame x right, y down, z forward, the centre of pixel
  (u, v) at (u, v). Mitsuba's camera looks down its +z with +x to the left and +y up, and
  pixel (i, j) covers [i, i + 1] × [j, j + 1] of its film: the sensor's ``to_world`` is
  T_world_cam·diag(-1, -1, 1) and the principal point moves by (c + 0.5 − size / 2) pixels.
- Light: our draft shading gives ``albedo·(ambient + intensity·max(cos, 0)·visible)``; a
  Lambert surface under a directional irradiance E has radiance ``albedo·E·cos/π``, so a sun
  of ``intensity`` is a ``directional`` emitter of irradiance E = π·intensity, and a
  ``constant`` sky of radiance L lights an unoccluded upward surface as ambient = L.
  ``light_direction`` is the direction the light travels (as ``light["direction"]``).

``render`` returns linear radiance (H, W, 3) float32 and the seconds it took.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import mitsuba as mi
import numpy as np

from simengine.assets.look import srgb_to_linear
from simengine.geometry.scene_geometry import BOX, CAPSULE, CYLINDER, MESH, SPHERE, SceneGeometry
from simengine.sensors.camera.projection import CameraModel

mi.set_variant("scalar_rgb")

# Mitsuba's camera frame (x left, y up, z forward) in our optical frame (x right, y down)
OPTICAL_FROM_MITSUBA = np.diag([-1.0, -1.0, 1.0, 1.0])


@dataclass(frozen=True)
class Lights:
    """A sun (``directional``, irradiance E on a surface facing it) and a uniform sky
    (``constant``, radiance L_sky), each left out at 0. Linear RGB or a grey scalar."""

    direction: tuple[float, float, float]  # the way the light travels, world frame
    irradiance: float | tuple[float, float, float] = 0.0
    sky_radiance: float | tuple[float, float, float] = 0.0


def sun_for_intensity(direction, intensity: float) -> Lights:
    """The sun our draft renderer shades with ``intensity``: E = π·intensity."""
    return Lights(tuple(float(x) for x in direction), irradiance=math.pi * intensity)


def _rgb(value) -> dict:
    v = np.broadcast_to(np.asarray(value, np.float64), (3,))
    return {"type": "rgb", "value": [float(x) for x in v]}


def diffuse(albedo_linear) -> dict:
    return {"type": "twosided", "bsdf": {"type": "diffuse", "reflectance": _rgb(albedo_linear)}}


def _transform(R: np.ndarray, t: np.ndarray, scale=(1.0, 1.0, 1.0)) -> mi.ScalarTransform4f:
    M = np.eye(4)
    M[:3, :3] = np.asarray(R, np.float64) * np.asarray(scale, np.float64)[None, :]
    M[:3, 3] = t
    return mi.ScalarTransform4f(M)


def _mesh(name: str, triangles: np.ndarray, bsdf: dict) -> mi.Mesh:
    """A Mitsuba mesh of world triangles (T, 3, 3), vertices unshared (flat shading, as ours)."""
    tri = np.ascontiguousarray(triangles, np.float32).reshape(-1, 3)
    mesh = mi.Mesh(name, len(tri), len(tri) // 3, props=_bsdf_props(bsdf))
    params = mi.traverse(mesh)
    params["vertex_positions"] = type(params["vertex_positions"])(tri.ravel())
    params["faces"] = type(params["faces"])(np.arange(len(tri), dtype=np.uint32))
    params.update()
    return mesh


def _bsdf_props(bsdf: dict) -> mi.Properties:
    props = mi.Properties()
    props["bsdf"] = mi.load_dict(bsdf)
    return props


def part_shapes(geometry: SceneGeometry, i: int, bsdf: dict | None = None) -> dict[str, object]:
    """The Mitsuba shapes of part ``i`` (diffuse in its own colour unless ``bsdf`` is given)."""
    g = geometry
    kind, R, p, (a, b, c) = int(g.kind[i]), g.rot[i], g.pos[i], g.params[i]
    if kind != MESH and int(g.texture_kind[i]) != 0:
        raise ValueError(f"part {i}: procedural textures are not exported to Mitsuba")
    if bsdf is None and kind != MESH:
        bsdf = diffuse(srgb_to_linear(g.color[i]))
    axis = R[:, 2]
    if kind == BOX:
        return {f"p{i}": {"type": "cube", "to_world": _transform(R, p, (a, b, c)), "bsdf": bsdf}}
    if kind == SPHERE:
        return {f"p{i}": {"type": "sphere", "center": [float(x) for x in p], "radius": float(a),
                          "bsdf": bsdf}}
    if kind in (CYLINDER, CAPSULE):
        ends = [p - b * axis, p + b * axis]
        shapes = {f"p{i}_side": {"type": "cylinder", "p0": [float(x) for x in ends[0]],
                                 "p1": [float(x) for x in ends[1]], "radius": float(a),
                                 "bsdf": bsdf}}
        for end, name in zip(ends, ("lo", "hi"), strict=True):
            if kind == CYLINDER:  # a unit disk in its xy plane: the part's frame, scaled by r
                shapes[f"p{i}_{name}"] = {"type": "disk", "to_world": _transform(R, end, (a, a, 1)),
                                          "bsdf": bsdf}
            else:  # whole spheres: their inner halves lie inside the closed capsule
                shapes[f"p{i}_{name}"] = {"type": "sphere", "center": [float(x) for x in end],
                                          "radius": float(a), "bsdf": bsdf}
        return shapes
    if kind == MESH:
        start, count = int(g.mesh_tri[i]), int(g.mesh_tri_count[i])
        local = g.tris[start:start + count] * np.asarray((a, b, c))
        world = local @ R.T + p
        palette = g.look_color[g.look_offset[i]:] if g.look_offset[i] >= 0 else None
        tri_part = g.tri_part[start:start + count]
        if bsdf is not None or palette is None:
            return {f"p{i}": _mesh(f"p{i}", world, bsdf or diffuse(srgb_to_linear(g.color[i])))}
        # one mesh per mesh part: each part's linear colour (textures and vertex colours are
        # not exported: compare such meshes by their base colours only)
        return {f"p{i}_{k}": _mesh(f"p{i}_{k}", world[tri_part == k], diffuse(palette[k]))
                for k in np.unique(tri_part)}
    raise ValueError(f"part {i}: unknown kind {kind}")


def sensor(model: CameraModel, R_world_cam: np.ndarray, position: np.ndarray, spp: int,
           seed: int = 0) -> dict:
    """A ``perspective`` sensor with exactly ``model``'s pinhole K and a box pixel filter."""
    K = model.K
    if np.any(model.dist != 0):
        raise ValueError("Mitsuba's perspective camera has no lens distortion: export a "
                         "pinhole CameraModel (dist = 0)")
    if not math.isclose(K[0, 0], K[1, 1], rel_tol=1e-9):
        raise ValueError(f"Mitsuba's pixels are square: fx = fy needed, got {K[0, 0]}, {K[1, 1]}")
    W, H = model.width, model.height
    T = np.eye(4)
    T[:3, :3], T[:3, 3] = R_world_cam, position
    return {
        "type": "perspective",
        "fov": math.degrees(2 * math.atan(W / (2 * K[0, 0]))),
        "fov_axis": "x",
        # relative to the film: Mitsuba's pixel centres sit at +0.5
        "principal_point_offset_x": -(K[0, 2] + 0.5 - W / 2) / W,
        "principal_point_offset_y": -(K[1, 2] + 0.5 - H / 2) / H,
        "near_clip": 1e-3,
        "far_clip": 1e4,
        "to_world": mi.ScalarTransform4f(T @ OPTICAL_FROM_MITSUBA),
        "film": {"type": "hdrfilm", "width": W, "height": H, "pixel_format": "rgb",
                 "rfilter": {"type": "box"}},
        "sampler": {"type": "independent", "sample_count": int(spp), "seed": int(seed)},
    }


def emitters(lights: Lights) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if np.any(np.asarray(lights.irradiance) > 0):
        d = np.asarray(lights.direction, np.float64)
        out["sun"] = {"type": "directional", "direction": [float(x) for x in d / np.linalg.norm(d)],
                      "irradiance": _rgb(lights.irradiance)}
    if np.any(np.asarray(lights.sky_radiance) > 0):
        out["sky"] = {"type": "constant", "radiance": _rgb(lights.sky_radiance)}
    return out


def scene_dict(geometry: SceneGeometry, model: CameraModel, R_world_cam: np.ndarray,
               position: np.ndarray, lights: Lights, *, spp: int = 16, max_depth: int = 2,
               bsdfs: dict[int, dict] | None = None) -> dict:
    """The whole frame as a Mitsuba scene dict. ``max_depth`` 2: direct light only (sky
    occlusion included); 3: one bounce more. ``bsdfs``: part index → a BSDF dict replacing
    that part's diffuse colour (a glossy sphere)."""
    scene: dict = {"type": "scene",
                   "integrator": {"type": "path", "max_depth": int(max_depth),
                                  "hide_emitters": False},
                   "sensor": sensor(model, R_world_cam, position, spp)}
    for i in range(len(geometry.kind)):
        scene.update(part_shapes(geometry, i, (bsdfs or {}).get(i)))
    scene.update(emitters(lights))
    return scene


def render(scene: dict | mi.Scene, spp: int | None = None, seed: int = 0
           ) -> tuple[np.ndarray, float]:
    """Linear radiance (H, W, 3) float32 of a scene dict (or a loaded scene), and the
    seconds the render took (scene loading excluded)."""
    loaded = scene if isinstance(scene, mi.Scene) else mi.load_dict(scene)
    start = time.perf_counter()
    image = mi.render(loaded, spp=spp or 0, seed=seed)
    seconds = time.perf_counter() - start
    return np.array(image, np.float32)[..., :3], seconds


# ---- for the physically based pass: sky + sun, a glossy sphere, highlights, noise vs time ----

def sky_sun_scene(geometry: SceneGeometry, model: CameraModel, R_world_cam: np.ndarray,
                  position: np.ndarray, direction, irradiance, sky_radiance, *, spp: int = 64,
                  max_depth: int = 2) -> dict:
    """Sun (irradiance E) and a uniform sky (radiance L) together, direct light only with
    ``max_depth`` 2: the sky's light reaching a point is that of its unoccluded directions
    (sky occlusion included), E·cos/π·albedo added where the sun is visible. An open,
    upward surface gets albedo·(L + E·cos/π)."""
    lights = Lights(tuple(float(x) for x in direction), irradiance, sky_radiance)
    return scene_dict(geometry, model, R_world_cam, position, lights, spp=spp,
                      max_depth=max_depth)


def glossy_bsdf(alpha: float, *, kind: str = "plastic", diffuse_albedo=0.0,
                specular=1.0) -> dict:
    """A GGX BSDF of roughness ``alpha`` (Mitsuba's α, = perceptual roughness²).

    ``plastic``: Mitsuba's ``roughplastic``, a dielectric coating of index 1.5 (F0 = 0.04)
    over a diffuse base of ``diffuse_albedo`` (linear). Mitsuba's base is not a plain Lambert
    term added to the lobe: it is weighted by the coating's transmission both ways and by
    internal reflections, so leave ``diffuse_albedo`` at 0 to compare the specular lobe alone.
    ``conductor``: ``roughconductor`` with a Fresnel of 1 tinted by ``specular`` (Mitsuba's
    material "none"), the bare GGX lobe D·G/(4 cos_i cos_o)."""
    twosided = {"type": "twosided"}
    if kind == "plastic":
        twosided["bsdf"] = {"type": "roughplastic", "distribution": "ggx", "alpha": float(alpha),
                            "int_ior": 1.5, "ext_ior": 1.0,
                            "diffuse_reflectance": _rgb(diffuse_albedo)}
    elif kind == "conductor":
        twosided["bsdf"] = {"type": "roughconductor", "distribution": "ggx",
                            "alpha": float(alpha), "material": "none",
                            "specular_reflectance": _rgb(specular)}
    else:
        raise ValueError(f"glossy kind must be 'plastic' or 'conductor', got {kind!r}")
    return twosided


def glossy_sphere_scene(geometry: SceneGeometry, sphere: int, model: CameraModel,
                        R_world_cam: np.ndarray, position: np.ndarray, lights: Lights, *,
                        alpha: float, kind: str = "plastic", diffuse_albedo=0.0,
                        spp: int = 64) -> dict:
    """The frame with part ``sphere`` (a SPHERE part) made glossy (``glossy_bsdf``); direct
    light only."""
    if int(geometry.kind[sphere]) != SPHERE:
        raise ValueError(f"part {sphere} is not a sphere")
    bsdf = glossy_bsdf(alpha, kind=kind, diffuse_albedo=diffuse_albedo)
    return scene_dict(geometry, model, R_world_cam, position, lights, spp=spp,
                      max_depth=2, bsdfs={sphere: bsdf})


@dataclass(frozen=True)
class Highlight:
    u: float  # sub-pixel column, our convention (pixel centres at integers)
    v: float  # sub-pixel row
    peak: float  # luminance of the brightest pixel


def luminance(image: np.ndarray) -> np.ndarray:
    """Rec. 709 / sRGB-primaries luminance of linear RGB (H, W, 3)."""
    return image[..., :3].astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722])


def highlight(image: np.ndarray) -> Highlight:
    """The brightest pixel of ``image`` (linear RGB, or luminance (H, W)) refined to sub-pixel
    by a parabola through the log-luminance of it and its two neighbours on each axis (exact
    for a Gaussian spot); an edge pixel or a non-positive neighbour keeps the integer
    position on that axis."""
    y = luminance(image) if image.ndim == 3 else np.asarray(image, np.float64)
    v, u = np.unravel_index(int(np.argmax(y)), y.shape)

    def refine(lo: float, mid: float, hi: float) -> float:
        if min(lo, mid, hi) <= 0:
            return 0.0
        a, b, c = math.log(lo), math.log(mid), math.log(hi)
        curvature = a - 2 * b + c
        return 0.0 if curvature >= 0 else 0.5 * (a - c) / curvature

    du = refine(y[v, u - 1], y[v, u], y[v, u + 1]) if 0 < u < y.shape[1] - 1 else 0.0
    dv = refine(y[v - 1, u], y[v, u], y[v + 1, u]) if 0 < v < y.shape[0] - 1 else 0.0
    return Highlight(float(u + du), float(v + dv), float(y[v, u]))


@dataclass(frozen=True)
class NoiseTiming:
    spp: int  # samples per pixel Mitsuba needs for the target noise (capped at max_spp)
    seconds: float  # its render time at that spp
    rel_noise: float  # the relative noise measured at that spp
    pilot_rel_noise: float  # and at the pilot spp


def relative_noise(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """RMS noise of one render relative to the mean signal, from two renders with independent
    seeds: std = RMS(a − b)/√2 (over ``mask``, default: pixels with a signal)."""
    ya, yb = luminance(a), luminance(b)
    if mask is None:
        mask = (ya + yb) > 0
    diff = (ya - yb)[mask]
    return float(math.sqrt(np.mean(diff * diff) / 2) / np.mean((ya + yb)[mask] / 2))


def time_to_noise(scene: dict, target_rel_noise: float, *, pilot_spp: int = 4,
                  max_spp: int = 4096, mask: np.ndarray | None = None) -> NoiseTiming:
    """The spp at which Mitsuba reaches ``target_rel_noise`` (``relative_noise``) on
    ``scene`` and the time it takes: noise falls as 1/√spp for independent samples, so the
    pilot's noise n₀ at spp₀ gives spp = ⌈spp₀·(n₀/target)²⌉; that render is timed and its
    noise measured against a second one (scene loading is not counted)."""
    loaded = mi.load_dict(scene)
    a, _ = render(loaded, pilot_spp, seed=1)
    b, _ = render(loaded, pilot_spp, seed=2)
    pilot = relative_noise(a, b, mask)
    spp = int(min(max_spp, max(1, math.ceil(pilot_spp * (pilot / target_rel_noise) ** 2))))
    a, seconds = render(loaded, spp, seed=3)
    b, _ = render(loaded, spp, seed=4)
    return NoiseTiming(spp, seconds, relative_noise(a, b, mask), pilot)
