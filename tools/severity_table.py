"""Write the severity-calibration table: every registered corruption's degradation at
severities 1..5 on the shipped scenes (metrics in simengine/corruptions/calibration.py).

    python tools/severity_table.py [--scenes scenes/indoor_room.yaml ...] [--seeds 2]
                                   [--output docs/severity_calibration.md]

One sample (k = 0, root seed 0) per scene; for each corruption the first sensor of its
modality, first capture (a cross-sensor corruption: the whole rig). A corruption that
changes nothing on a scene at any severity (wet ground with no ground in view) is marked
n/a rather than failed, and so is rain or snow in a scene with a closed room, where a
render does not apply it (corruptions/scene_light.py). Prints Markdown; with --output also
writes it there.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simengine import Engine  # noqa: E402
from simengine.corruptions import get, names  # noqa: E402
from simengine.corruptions.calibration import (  # noqa: E402
    SIDE_METRIC,
    degradation_by_severity,
    first_capture,
    metric_for,
    rig_capture,
)
from simengine.engine import signal_rates  # noqa: E402

DEFAULT_SCENES = [ROOT / "scenes" / f"{n}.yaml" for n in ("tabletop", "indoor_room",
                                                          "outdoor_yard")]


def table(scenes: list[Path], seeds: int) -> str:
    lines = ["| scene | sensor | corruption | metric | s1 | s2 | s3 | s4 | s5 | monotone |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for scene in scenes:
        engine = Engine(scene, seed=0)
        times = engine.spec.schedule.capture_times
        interval = float(times[1] - times[0]) if len(times) > 1 else 0.0
        sample = engine.sample(0)
        rates = signal_rates(engine.spec)
        for name in names():
            modality = get(name).modality
            found = (rig_capture(sample, interval, rates) if modality == "cross"
                     else first_capture(sample, modality, interval))
            if found is None:
                continue
            head, data, context = found
            if get(name).precipitation and engine.spec.world.room is not None:
                lines.append(f"| {engine.spec.name} | {head} | {name} | n/a: not applied in a "
                             "closed room |" + " |" * 6)
                continue
            try:
                rows = degradation_by_severity(name, data, context, seeds)
            except ValueError as exc:  # a context this scene's sensor cannot give
                lines.append(f"| {engine.spec.name} | {head} | {name} | n/a: {exc} |"
                             + " |" * 6)
                continue
            main = metric_for(name)[0]
            for label, values in rows.items():
                mono = "yes" if np.all(np.diff(values) > 0) else "NO"
                if np.allclose(values, 0.0, atol=1e-9):  # e.g. wet ground, no ground in view
                    mono = "n/a: no effect on this capture"
                cells = " | ".join(f"{v:.4g}" for v in values)
                lines.append(f"| {engine.spec.name} | {head} | {name} | {label} | {cells} | "
                             f"{mono if label == main else '-'} |")
    side = "; ".join(f"{m}: {label}" for m, (label, _) in SIDE_METRIC.items())
    lines += ["", f"Main metric per row marked in the monotone column; side metrics ({side}) "
                  "are shown for reference."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", nargs="+", type=Path, default=DEFAULT_SCENES)
    parser.add_argument("--seeds", type=int, default=2, help="streams averaged per level")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    text = table(args.scenes, args.seeds)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text("# Severity calibration\n\nWritten by "
                               "`python tools/severity_table.py`.\n\n" + text + "\n",
                               encoding="utf-8")
    print(f"\n({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
