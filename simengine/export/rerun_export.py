"""Rerun export: one ``.rrd`` recording (``rerun-sdk``) of the done samples.

Timelines: ``sample`` (the store index) and ``capture_time`` (seconds since the sample's
start: each capture frame, and the audio events at their onsets).

Entity tree (``<v>`` = ``clean`` or ``corrupted/<set>/<slot>``; a variant logs only what
its corruptions replaced, e.g. a camera's rgb, the lidar's points, a rig's poses)::

    world                                   AnnotationContext: class id -> name, colour
                                            (+ one id after the store's: returns a variant
                                            replaced, whose clean label is not theirs)
    world/<v>/camera/<c>                    Transform3D (T_world_cam) + Pinhole (K, W x H, RDF)
    world/<v>/camera/<c>/rgb                Image
    world/<v>/camera/<c>/depth              DepthImage (metres)
    world/<v>/camera/<c>/semantic           SegmentationImage (class ids)
    world/<v>/camera/<c>/boxes2d            Boxes2D (visible boxes, class ids, instance ids)
    world/<v>/lidar/<l>                     Transform3D (T_world_lidar)
    world/<v>/lidar/<l>/points              Points3D in the lidar frame, class ids, + intensity
    world/<v>/lidar/<l>/points_intensity    Points3D coloured by intensity (grey)
    world/clean/objects/boxes3d             Boxes3D (world centre, half size, xyzw, class ids)
    world/clean/audio/<m>/mics              Points3D (microphone positions, world)
    world/clean/audio/<m>/events            TextLog per sound source at its onset
    world/clean/audio/<m>/peak_db_spl       Scalars per sound source at its onset
    world/clean/audio/<m>/leq_db_spl/ch<i>  Scalars per channel (the store's, whole clip)
    world/corrupted/<set>/<slot>/audio/<m>/leq_db_spl/ch<i>   the variant waveform's Leq

Conventions of the Rerun types used: docs/references.md#export-formats. Boxes2D use the
store's convention (pixel centres at integers, as K); points are the
returns with a finite positive range. Recording properties carry the provenance.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .common import ExportSummary, open_store
from .streaming import done_samples, json_text, prepare_file, provenance, require

APP_ID = "simengine"
UNLABELLED = "replaced by a corruption"  # class of lidar returns a variant replaced
P_REF = 20e-6  # Pa: the reference pressure of dB SPL
STUFF_COLOURS = {"background": (40, 40, 40), "ground": (110, 110, 100), "wall": (150, 150, 160)}


def class_colour(i: int, name: str) -> tuple[int, int, int]:
    """Stuff classes in greys; objects on a fixed hue wheel (golden-ratio steps), so a
    class keeps its colour across stores with the same vocabulary."""
    if name in STUFF_COLOURS:
        return STUFF_COLOURS[name]
    import colorsys

    r, g, b = colorsys.hsv_to_rgb((i * 0.618034) % 1.0, 0.75, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def leq_db_spl(wave: np.ndarray) -> np.ndarray:
    """Per-channel equivalent level (dB SPL re 20 µPa) of a (channels, n) waveform in Pa;
    -inf for silence."""
    power = np.mean(np.square(wave.astype(np.float64)), axis=-1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(power / P_REF**2)


def viewer_available() -> bool:
    """A Rerun viewer can be started and shown: its launcher is installed and there is a
    display (headless machines and CI get the file only)."""
    has_display = (sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY"))
                   or bool(os.environ.get("WAYLAND_DISPLAY")))
    return has_display and shutil.which("rerun") is not None


def variants(attrs: dict[str, Any]) -> list[tuple[str, str]]:
    """(entity prefix, array prefix) of the clean data and each corrupted variant."""
    arrays = set(attrs["arrays"])
    out = [("world/clean", "")]
    for cset in (attrs.get("scene") or {}).get("corruptions") or []:
        slot = 0
        while f"corrupted/{cset['name']}/{slot}/applied" in arrays:
            out.append((f"world/corrupted/{cset['name']}/{slot}",
                        f"corrupted/{cset['name']}/{slot}/"))
            slot += 1
    return out


def export_rerun(store: str, out: str | Path, *, overwrite: bool = False,
                 spawn: bool = False) -> ExportSummary:
    """Write the recording to ``out`` (``.rrd``); with ``spawn`` also stream it to a
    freshly started viewer."""
    probe = open_store(store)
    attrs = probe.attrs
    target = prepare_file(out, ".rrd", overwrite)
    rr = require("rerun", "rerun")
    prov = provenance(store, attrs)
    rec = rr.RecordingStream(APP_ID, recording_id=f"{attrs['scene_hash']}-{attrs['root_seed']}")
    sinks = [rr.FileSink(str(target))]
    if spawn:
        rec.spawn(connect=False)
        sinks.append(rr.GrpcSink())
    rec.set_sinks(*sinks)
    rec.send_property("simengine", rr.AnyValues(**{k: str(v) for k, v in prov.items()}))
    rec.log("world", rr.AnnotationContext(
        [rr.AnnotationInfo(id=i, label=n, color=class_colour(i, n))
         for i, n in enumerate(attrs["classes"])]
        + [rr.AnnotationInfo(id=len(attrs["classes"]), label=UNLABELLED, color=(255, 0, 255))]),
        static=True)
    rec.log("world", rr.ViewCoordinates.RIGHT_HAND_Z_UP, static=True)
    layout = Layout(attrs)
    samples = 0
    for k, s in done_samples(store, layout.keys()):
        rec.set_time("sample", sequence=k)
        layout.log_sample(rr, rec, s)
        samples += 1
    rec.flush()
    rec.disconnect()
    return ExportSummary("rerun", str(target), samples, layout.images, 0, 1)


class Layout:
    """Which arrays go where, worked out once from the store's attributes."""

    def __init__(self, attrs: dict[str, Any]) -> None:
        self.arrays = set(attrs["arrays"])
        self.cameras = [s["name"] for s in attrs["sensors"] if s["kind"] == "camera"]
        self.lidars = [s["name"] for s in attrs["sensors"] if s["kind"] == "lidar"]
        self.mics = [s["name"] for s in attrs["sensors"] if s["kind"] == "microphone"]
        self.classes = list(attrs["classes"])
        self.unlabelled = len(self.classes)  # class id of returns a corruption replaced
        self.variants = variants(attrs)
        self.images = 0  # rgb images logged so far

    def has(self, name: str) -> bool:
        return name in self.arrays

    def keys(self) -> list[str]:
        return sorted(a for a in self.arrays if "/effects/" not in a
                      and not a.endswith(("/normals", "rgb_mask", "waveform_mask")))

    def log_sample(self, rr: Any, rec: Any, s: dict[str, np.ndarray]) -> None:
        times = s["meta/time"]
        for f, t in enumerate(times.tolist()):
            rec.set_time("capture_time", duration=float(t))
            for entity, prefix in self.variants:
                for c in self.cameras:
                    self._camera(rr, rec, s, f, entity, prefix, c)
                for lid in self.lidars:
                    self._lidar(rr, rec, s, f, entity, prefix, lid)
            self._boxes3d(rr, rec, s, f)
        for m in self.mics:
            self._audio(rr, rec, s, m, float(times[0]))
            for entity, prefix in self.variants[1:]:
                self._audio_variant(rr, rec, s, m, float(times[0]), entity, prefix)
        if "meta/instance_json" in s:  # the drawn scene instance, for reference
            rec.log("world/clean/meta/instance",
                    rr.TextDocument(json_text(s["meta/instance_json"]), media_type="text/plain"))

    def _pick(self, s: dict, prefix: str, name: str) -> np.ndarray | None:
        """The variant's replacement of ``name``, or the clean array for the clean entity;
        None when the variant leaves ``name`` alone (nothing to log again)."""
        return s.get(prefix + name)

    def _camera(self, rr: Any, rec: Any, s: dict, f: int, entity: str, prefix: str,
                c: str) -> None:
        head = f"camera/{c}"
        rgb = self._pick(s, prefix, f"{head}/rgb")
        pose = self._pick(s, prefix, f"{head}/T_world_cam")
        if rgb is None and pose is None:
            return
        base = f"{entity}/{head}"
        T = (pose if pose is not None else s[f"{head}/T_world_cam"])[f]
        rgb = rgb if rgb is not None else s[f"{head}/rgb"]
        H, W = rgb.shape[1:3]
        rec.log(base, rr.Transform3D(translation=T[:3, 3], mat3x3=T[:3, :3]),
                rr.Pinhole(image_from_camera=s[f"{head}/K"], resolution=[W, H],
                           camera_xyz=rr.ViewCoordinates.RDF))
        rec.log(f"{base}/rgb", rr.Image(rgb[f]))
        self.images += 1
        if prefix:
            return  # labels and depth belong to the clean scene
        if self.has(f"{head}/depth"):
            rec.log(f"{base}/depth", rr.DepthImage(s[f"{head}/depth"][f], meter=1.0))
        if self.has(f"{head}/semantic"):
            rec.log(f"{base}/semantic", rr.SegmentationImage(s[f"{head}/semantic"][f]))
        if self.has(f"{head}/boxes2d"):
            n = int(s["objects/count"])
            boxes = s[f"{head}/boxes2d"][f, :n]
            seen = s[f"{head}/visible_pixels"][f, :n] > 0
            rec.log(f"{base}/boxes2d", rr.Boxes2D(
                array=boxes[seen], array_format=rr.Box2DFormat.XYXY,
                class_ids=s["objects/class_id"][:n][seen],
                labels=[f"#{i}" for i in s["objects/instance_id"][:n][seen]]))

    def _lidar(self, rr: Any, rec: Any, s: dict, f: int, entity: str, prefix: str,
               lid: str) -> None:
        head = f"lidar/{lid}"
        xyz = self._pick(s, prefix, f"{head}/xyz")
        pose = self._pick(s, prefix, f"{head}/T_world_lidar")
        if xyz is None and pose is None:
            return
        base = f"{entity}/{head}"
        T = (pose if pose is not None else s[f"{head}/T_world_lidar"])[f]
        rec.log(base, rr.Transform3D(translation=T[:3, 3], mat3x3=T[:3, :3]))
        rng = self._pick(s, prefix, f"{head}/range")
        rng = (rng if rng is not None else s[f"{head}/range"])[f].reshape(-1)
        inten = self._pick(s, prefix, f"{head}/intensity")
        inten = (inten if inten is not None else s[f"{head}/intensity"])[f].reshape(-1)
        pts = (xyz if xyz is not None else s[f"{head}/xyz"])[f].reshape(-1, 3)
        valid = np.isfinite(rng) & (rng > 0)
        sem = np.maximum(s[f"{head}/semantic"][f].reshape(-1), 0)
        mask = self._pick(s, prefix, f"{head}/range_mask") if prefix else None
        if mask is not None:  # returns the variant replaced: the clean label is not theirs
            frame_shape = s[f"{head}/range"][f].shape
            replaced = np.broadcast_to(mask[f], frame_shape).reshape(-1)
            sem = np.where(replaced, self.unlabelled, sem)
        sem = sem[valid]
        rec.log(f"{base}/points", rr.Points3D(pts[valid], class_ids=sem),
                rr.AnyValues(intensity=inten[valid], range=rng[valid]))
        # grey by intensity, scaled to the frame's brightest return (units vary by preset)
        shown = np.nan_to_num(inten[valid].astype(np.float64), nan=0.0, posinf=0.0)
        top = shown.max(initial=0.0)
        grey = (np.clip(shown / top if top > 0 else shown, 0.0, 1.0) * 255).astype(np.uint8)
        rec.log(f"{base}/points_intensity",
                rr.Points3D(pts[valid], colors=np.repeat(grey[:, None], 3, axis=1)))

    def _boxes3d(self, rr: Any, rec: Any, s: dict, f: int) -> None:
        if not self.has("objects/box3d_center"):
            return
        n = int(s["objects/count"])
        rec.log("world/clean/objects/boxes3d", rr.Boxes3D(
            centers=s["objects/box3d_center"][f, :n],
            half_sizes=s["objects/size"][:n] / 2.0,
            quaternions=[rr.Quaternion(xyzw=q) for q in s["objects/orientation"][f, :n]],
            class_ids=s["objects/class_id"][:n],
            labels=[f"#{i}" for i in s["objects/instance_id"][:n]]))

    def _audio(self, rr: Any, rec: Any, s: dict, m: str, t0: float) -> None:
        head = f"audio/{m}"
        base = f"world/clean/{head}"
        rec.set_time("capture_time", duration=t0)
        if f"{head}/mic_positions" in s:
            rec.log(f"{base}/mics", rr.Points3D(s[f"{head}/mic_positions"]))
        for ch, level in enumerate(s.get(f"{head}/leq_db_spl", np.empty(0)).tolist()):
            rec.log(f"{base}/leq_db_spl/ch{ch}", rr.Scalars(level))
        src = f"{head}/sources"
        if f"{src}/count" not in s:
            return
        for i in range(int(s[f"{src}/count"])):
            rec.set_time("capture_time", duration=float(s[f"{src}/onset"][i]))
            a, b = int(s[f"{src}/class_a"][i]), int(s[f"{src}/class_b"][i])
            rec.log(f"{base}/events", rr.TextLog(
                f"source {i}: {self._name(a)} #{s[f'{src}/instance_a'][i]} / {self._name(b)} "
                f"#{s[f'{src}/instance_b'][i]}, peak {s[f'{src}/peak_db_spl'][i]:.1f} dB SPL, "
                f"{s[f'{src}/onset'][i]:.3f}-{s[f'{src}/offset'][i]:.3f} s",
                level="INFO"))
            rec.log(f"{base}/peak_db_spl", rr.Scalars(float(s[f"{src}/peak_db_spl"][i])))

    def _audio_variant(self, rr: Any, rec: Any, s: dict, m: str, t0: float, entity: str,
                       prefix: str) -> None:
        """A variant's waveform as its per-channel level: Leq = 10 log10(mean(p²) / p0²),
        p0 = 20 µPa, over the whole clip (the waveform is in pascals)."""
        wave = self._pick(s, prefix, f"audio/{m}/waveform")
        if wave is None:
            return
        rec.set_time("capture_time", duration=t0)
        for ch, level in enumerate(leq_db_spl(wave).tolist()):
            rec.log(f"{entity}/audio/{m}/leq_db_spl/ch{ch}", rr.Scalars(level))

    def _name(self, class_id: int) -> str:
        return self.classes[class_id] if 0 <= class_id < len(self.classes) else "none"
