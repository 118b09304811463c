"""``simengine report``: one self-contained HTML file describing a store.

Sections: overview (counts, sensors, settings), class balance, objects and pose coverage,
depth and range distributions, audio events, severity calibration curves, contact sheets,
the render log (throughput and settings of each render, ``store.runlog``), and, given a
scores file of ``simengine score``, the robustness scores (``report.robustness``). Everything
is computed before the file is written, so a failure leaves nothing behind.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._version import __version__
from ..errors import UserError
from ..store.runlog import read_runs
from . import plots
from .contact_sheet import contact_sheet
from .html import Page
from .image_stats import store_image_statistics
from .robustness import read_scores, robustness_section
from .severity import Curve, curves
from .stats import StoreStats, compute

SOURCE_KINDS = ("impact", "sliding/rolling contact", "scene source", "actor")


@dataclass(frozen=True)
class ReportSummary:
    output: str
    samples: int
    figures: int
    curves: int
    bytes: int


def check_output(output: str | Path) -> Path:
    """The report's file path: its parent must exist and it must not be a directory."""
    out = Path(output)
    if out.is_dir():
        raise UserError(f"{output}: is a directory, expected a file name for the report")
    if not out.parent.exists():
        raise UserError(f"{output}: directory {out.parent} does not exist")
    return out


def write_report(store: str, output: str | Path, *, calibration_samples: int = 32,
                 sheet_samples: int = 24, image_samples: int = 16,
                 scores: str | Path | None = None) -> ReportSummary:
    out = check_output(output)
    scores_doc = None if scores is None else read_scores(scores)  # checked before any work
    st = compute(store)
    page = Page(f"simengine report: {st.attrs['scene_name']}")
    _overview(page, store, st)
    _class_balance(page, st)
    _objects(page, st)
    _distributions(page, st)
    _audio(page, st)
    _image_statistics(page, store, st, image_samples)
    found = curves(store, max_samples=calibration_samples)
    _severity(page, found)
    _sheets(page, store, st, sheet_samples)
    _render_log(page, store)
    if scores_doc is not None:
        robustness_section(page, scores_doc)
    stamp = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    text = page.render(f"{store} · written {stamp} by simengine {__version__}")
    out.write_text(text, encoding="utf-8")
    return ReportSummary(str(out), st.done, text.count("<img"), len(found), len(text))


def _overview(page: Page, store: str, st: StoreStats) -> None:
    a = st.attrs
    page.section("overview", "Overview")
    times = a["scene"].get("simulation", {}).get("capture_times", [])
    sets = a["scene"].get("corruptions", [])
    rows = [("store", store), ("scene", f"{a['scene_name']} (hash {a['scene_hash'][:12]})"),
            ("root seed", a["root_seed"]),
            ("engine", f"{a['engine_version']} (schema {a['schema_version']})"),
            ("samples done", st.done), ("samples total", int(a["num_samples"])),
            ("capture frames", f"{st.frames} at t = {', '.join(map(str, times))} s"),
            ("block size", a["block_size"]),
            ("objects", f"{int(st.objects_per_sample.sum())} in {st.done} samples "
                        f"(mean {st.objects_per_sample.mean():.2f}, max "
                        f"{int(st.objects_per_sample.max(initial=0))})"),
            ("impacts", int(st.events_per_sample.sum())),
            ("classes", ", ".join(a["classes"])),
            ("corruption sets", "; ".join(f"{s['name']}: {', '.join(s['corruptions'])} "
                                          f"({s.get('policy', 'one')})" for s in sets)
             or "none")]
    page.table(["", ""], rows, table_id="overview-table", row_keys=[r[0] for r in rows])
    page.h3("Sensors")
    page.table(["name", "kind", "preset", "settings"],
               [(s["name"], s["kind"], s.get("preset") or "-", _settings(s["params"]))
                for s in a["sensors"]])


def _settings(params: dict) -> str:
    keys = ("width", "height", "fx", "fy", "columns", "rows", "rotation_hz", "max_range",
            "return_mode", "sample_rate", "channels")
    picked = [f"{k}={params[k]}" for k in keys if k in params and not isinstance(params[k],
                                                                                 dict | list)]
    return ", ".join(picked) or "-"


def _class_balance(page: Page, st: StoreStats) -> None:
    page.section("class-balance", "Class balance")
    page.p("objects: object instances per class over the done samples; visible: "
           "(sample, capture) pairs in which a camera sees at least one pixel of the object; "
           "pixels and returns: camera pixels and lidar returns per semantic class.",
           note=True)
    headers = ["class", "id", "objects"]
    cols: list[np.ndarray] = [st.object_classes]
    for c in st.cameras:
        headers += [f"visible in {c}", f"pixels {c} (%)"]
        px = st.pixel_classes[c]
        cols += [st.visible_classes[c], 100.0 * px / max(px.sum(), 1)]
    for n in st.lidars:
        headers.append(f"returns {n} (%)")
        r = st.lidar_classes[n]
        cols.append(100.0 * r / max(r.sum(), 1))
    rows = [[name, i, *(_num(col[i]) for col in cols)] for i, name in enumerate(st.classes)]
    page.table(headers, rows, table_id="class-balance-table", row_keys=st.classes)
    used = [i for i, v in enumerate(st.object_classes) if v > 0]
    page.figure(plots.bar_chart([st.classes[i] for i in used],
                                [st.object_classes[i] for i in used],
                                "Object instances per class", "class"),
                "object instances per class")
    for c in st.cameras:
        page.figure(plots.bar_chart(st.classes, 100.0 * st.pixel_classes[c]
                                    / max(st.pixel_classes[c].sum(), 1),
                                    f"Pixels per class, {c}", "class", "% of pixels"),
                    f"camera {c}: share of pixels per semantic class")


def _num(v: float | np.number) -> int | float:
    v = v.item() if isinstance(v, np.generic) else v
    return v if isinstance(v, int) else float(v)


def _objects(page: Page, st: StoreStats) -> None:
    page.section("objects", "Objects and pose coverage")
    counts = np.bincount(st.objects_per_sample, minlength=1)
    page.figure(plots.bar_chart([str(i) for i in range(len(counts))], counts,
                                "Objects per sample", "objects", "samples", one_colour=True),
                "objects per sample")
    page.table(["objects per sample", "samples"],
               [(i, int(c)) for i, c in enumerate(counts)], table_id="objects-per-sample")
    hists = [("world x (m)", st.positions[:, 0]), ("world y (m)", st.positions[:, 1]),
             ("world z (m)", st.positions[:, 2]),
             ("tilt of the object z axis from up (deg)", st.tilt_deg),
             ("heading of the object x axis (deg)", st.heading_deg)]
    for label, values in hists:
        if values.size:
            counts_, edges = np.histogram(values, bins=24)
            page.figure(plots.histogram(edges, counts_, label.split(" (")[0], label,
                                        "objects x captures"), f"pose coverage: {label}")


def _distributions(page: Page, st: StoreStats) -> None:
    page.section("distributions", "Depth and range")
    rows = []
    for c in st.cameras:
        h = st.depth[c]
        edges, counts = h.coarse()
        page.figure(plots.histogram(edges, counts, f"Depth, {c}", "z-depth (m)", "pixels"),
                    f"camera {c}: depth of pixels that hit something")
        rows.append((f"camera {c} depth", h.total, 100.0 * h.total / max(st.depth_pixels[c],
                                                                         1),
                     *h.quantiles()))
    for n in st.lidars:
        h = st.ranges[n]
        edges, counts = h.coarse()
        page.figure(plots.histogram(edges, counts, f"Range, {n}", "range (m)", "returns"),
                    f"lidar {n}: range of the returns")
        rows.append((f"lidar {n} range", h.total, 100.0 * h.total / max(st.beams[n], 1),
                     *h.quantiles()))
    page.table(["", "values", "hit (%)", "p5 (m)", "median (m)", "p95 (m)"], rows,
               table_id="distributions-table")


def _audio(page: Page, st: StoreStats) -> None:
    page.section("audio", "Audio events")
    rows = []
    if st.events_per_sample.size:
        rows.append(("impacts (events/...)", int(st.events_per_sample.sum()),
                     float(st.events_per_sample.mean())))
        per = np.bincount(st.events_per_sample.astype(int), minlength=1)
        page.figure(plots.bar_chart([str(i) for i in range(len(per))], per,
                                    "Impacts per sample", "impacts", "samples",
                                    one_colour=True),
                    "impacts per sample (events/count)")
        for label, v in (("impulse (N s)", st.impulse), ("relative speed (m/s)", st.speed)):
            if v.size:
                c, e = np.histogram(v, bins=20)
                page.figure(plots.histogram(e, c, f"Impact {label.split(' (')[0]}", label,
                                            "impacts"), f"impacts: {label}")
    for m, a in st.audio.items():
        src = a.get("sources", np.zeros(0))
        rows.append((f"{m}: sources", int(src.sum()), float(src.mean()) if src.size else 0.0))
        n_kinds = len(SOURCE_KINDS)
        kinds = np.bincount(a["kind"].astype(int).clip(0), minlength=n_kinds)[:n_kinds]
        page.figure(plots.bar_chart(list(SOURCE_KINDS), kinds, f"Sources by kind, {m}",
                                    "kind", "sources"), f"microphone array {m}: sound sources")
        for key, label in (("peak_db_spl", "peak level (dB SPL)"), ("onset", "onset (s)")):
            v = a.get(key, np.zeros(0))
            v = v[np.isfinite(v)]
            if v.size:
                c, e = np.histogram(v, bins=20)
                page.figure(plots.histogram(e, c, f"{label.split(' (')[0]}, {m}", label,
                                            "sources"), f"microphone array {m}: {label}")
        snr = a.get("snr_db", np.zeros(0))
        snr = snr[np.isfinite(snr)]
        if snr.size:
            rows.append((f"{m}: SNR (dB), mean over samples", snr.size, float(snr.mean())))
    page.table(["", "total", "mean per sample"], rows, table_id="audio-table")


def _image_statistics(page: Page, store: str, st: StoreStats, count: int) -> None:
    page.section("image-statistics", "Image statistics")
    if not st.cameras:
        page.p("The store has no camera images.")
        return
    page.p("A realism check of the clean camera images (simengine.report.image_stats): "
           "luminance power-spectrum slope over 4 cycles per image to 0.25 cycles per pixel "
           "(natural images about -2 in power, -1 in amplitude: Field 1987, van der Schaaf "
           "& van Hateren 1996, Torralba & Oliva 2003), OpenCV HSV saturation, RMS contrast "
           "of log10 luminance, Michelson contrast of the 1st/99th luminance percentiles, "
           "mean linear luminance; mean ± standard deviation over the images of up to "
           f"{count} samples spread over the store (every capture).", note=True)
    rows = []
    for c in st.cameras:
        s = store_image_statistics(store, c, count)
        rows.append((c, int(s["images"]), *(_pm(s, k) for k in (
            "power_slope", "amplitude_slope", "saturation_mean", "saturation_p10",
            "saturation_p50", "saturation_p90", "rms_contrast", "michelson_contrast",
            "mean_luminance"))))
    page.table(["camera", "images", "power slope", "amplitude slope", "saturation mean",
                "saturation p10", "saturation p50", "saturation p90", "RMS contrast (log10)",
                "Michelson contrast", "mean luminance"], rows,
               table_id="image-statistics-table", row_keys=[r[0] for r in rows])


def _pm(stats: dict[str, float], name: str) -> str:
    return f"{stats[name]:.3f} ± {stats[name + '_std']:.3f}"


def _severity(page: Page, found: list[Curve]) -> None:
    page.section("severity", "Severity calibration")
    if not found:
        page.p("The store has no corrupted variants.")
        return
    page.p("Per corruption: the sweep applies it at severities 1..5 to one sample "
           "(calibration.degradation_by_severity, as docs/severity_calibration.md); the "
           "store points are the store's own variants, mean and min–max over the samples "
           "read, at their recorded severity.", note=True)
    rows = []
    for c in found:
        series = []
        if c.sweep is not None:
            series.append(plots.Series("sweep (1..5)", [1, 2, 3, 4, 5], c.sweep))
        sev = sorted(c.store)
        series.append(plots.Series(f"store ({sum(len(v) for v in c.store.values())})", sev,
                                   [_mean(c.store[s]) for s in sev],
                                   [_finite_min(c.store[s]) for s in sev],
                                   [_finite_max(c.store[s]) for s in sev]))
        page.figure(plots.line_chart(series, f"{c.corruption} ({c.set_name}, {c.sensor})",
                                     "severity", c.metric, xlim=(0.5, 5.5)),
                    f"set {c.set_name}: {c.corruption} on {c.sensor}; {c.sweep_note}")
        for s in sev:
            side = _mean(c.side[s]) if c.side_metric and s in c.side else ""
            rows.append((c.set_name, c.corruption, c.sensor, s, len(c.store[s]), c.metric,
                         _mean(c.store[s]), c.side_metric or "", side,
                         c.sweep[s - 1] if c.sweep else ""))
    page.table(["set", "corruption", "sensor", "severity", "samples", "metric", "mean",
                "side metric", "side mean", "sweep at this severity"], rows,
               table_id="severity-table",
               row_keys=[f"{r[0]}|{r[1]}|{r[2]}|{r[3]}" for r in rows])


def _mean(v: list[float]) -> float:
    """Mean of the finite values; an unchanged variant's PSNR (inf) shows as inf."""
    f = [x for x in v if math.isfinite(x)]
    return float(np.mean(f)) if f else (float(v[0]) if v else float("nan"))


def _finite_min(v: list[float]) -> float:
    return min((x for x in v if math.isfinite(x)), default=float("nan"))


def _finite_max(v: list[float]) -> float:
    return max((x for x in v if math.isfinite(x)), default=float("nan"))


def _sheets(page: Page, store: str, st: StoreStats, count: int) -> None:
    page.section("contact-sheets", "Contact sheets")
    variants = sorted({k.split("/")[1] + "/" + k.split("/")[2] for k in st.attrs["arrays"]
                       if k.startswith("corrupted/") and k.endswith("/rgb")})
    for cam in st.cameras:
        for f in range(st.frames):
            sheet = contact_sheet(store, cam, frame=f, max_samples=count, boxes=True)
            page.figure(plots.png_bytes(sheet.image), f"camera {cam}, capture {f}: samples "
                        f"{_ranges(sheet.samples)} (clean, visible 2D boxes)",
                        pixelated=sheet.layout.tile_w < 128)
        for v in variants:
            if f"corrupted/{v}/camera/{cam}/rgb" not in st.attrs["arrays"]:
                continue
            sheet = contact_sheet(store, cam, frame=0, max_samples=count, variant=v)
            page.figure(plots.png_bytes(sheet.image), f"camera {cam}, capture 0, corrupted "
                        f"variant {v}", pixelated=sheet.layout.tile_w < 128)


def _ranges(samples: list[int]) -> str:
    return ", ".join(map(str, samples)) if len(samples) <= 8 else \
        f"{len(samples)} from {samples[0]} to {samples[-1]}"


def _render_log(page: Page, store: str) -> None:
    page.section("render-log", "Render log")
    runs = read_runs(store)
    if not runs:
        page.p("Throughput and settings: not recorded (the store was made by `simengine "
               "corrupt` or by an engine that did not keep a render log).")
        return
    rows = [(r.get("finished_utc", ""), r.get("executor", ""), r.get("workers", ""),
             r.get("rendered", ""), r.get("samples", ""), r.get("block_size", ""),
             "yes" if r.get("resume") else "no", r.get("seconds", ""),
             r.get("samples_per_second", ""), r.get("retries", ""), r.get("failures", ""),
             ", ".join(f"{k} {v:.2f}s" for k, v in r.get("stage_seconds", {}).items() if v),
             r.get("engine_version", ""), r.get("host_cpu_count", "")) for r in runs]
    page.table(["finished (UTC)", "executor", "workers", "rendered", "samples", "block size",
                "resume", "seconds", "samples/s", "retries", "failures", "stage seconds",
                "engine", "host CPUs"], rows, table_id="render-log-table")
