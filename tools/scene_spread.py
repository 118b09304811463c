"""How varied a scene's samples are: classes, object counts and generator parameters over N
drawn instances, as Markdown tables.

    python tools/scene_spread.py scenes/*.yaml [--samples 100] [--seed 0]

Only the instance sampler runs (no physics, no rendering), so it is quick. Sample k's
instance is the one the engine uses: its first attempt that ``simengine.placement`` accepts
(``simengine.attempts.placed_instance``). A physics blow-up makes the engine draw again
(``on_blowup: retry``); that cannot be known without simulating, so such a sample is
counted with the instance drawn before it blew up.

Per scene it prints the objects per sample (min / mean / max), each class with its
instances per sample (min / mean / max over all samples, zeros included) and, for each
procedural generator parameter that takes more than one value, its min / mean / max over the
drawn instances and its number of distinct values.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simengine.attempts import RejectedInstanceError, placed_instance  # noqa: E402
from simengine.instance import SceneInstance  # noqa: E402
from simengine.spec.loader import load_scene  # noqa: E402
from simengine.spec.scene import SceneSpec  # noqa: E402


@dataclass
class Spread:
    """What N samples of one scene hold."""

    scene: str
    samples: int
    objects_per_sample: list[int] = field(default_factory=list)
    rejected: int = 0  # samples with no accepted attempt (the engine would stop on them)
    # class -> instances in each sample (one entry per sample, zeros included)
    class_counts: dict[str, list[int]] = field(default_factory=dict)
    # (generator, parameter) -> the value of every drawn instance
    params: dict[tuple[str, str], list[float]] = field(default_factory=dict)


def accepted_instance(spec: SceneSpec, seed: int, k: int) -> SceneInstance | None:
    """Sample k's first accepted attempt (as the engine draws it), None if none is."""
    for attempt in range(spec.world.max_attempts):
        try:
            return placed_instance(spec, seed, k, attempt)
        except RejectedInstanceError:
            continue
    return None


def scene_spread(spec: SceneSpec, samples: int, seed: int = 0) -> Spread:
    out = Spread(spec.name, samples)
    per_sample: list[dict[str, int]] = []
    params: dict[tuple[str, str], list[float]] = defaultdict(list)
    for k in range(samples):
        instance = accepted_instance(spec, seed, k)
        if instance is None:
            out.rejected += 1
            continue
        out.objects_per_sample.append(len(instance.objects))
        counts: dict[str, int] = defaultdict(int)
        for obj in instance.objects:
            counts[obj.class_name] += 1
            for name, value in (obj.params or {}).items():
                params[(obj.generator, name)].append(float(value))
        per_sample.append(counts)
    classes = sorted({c for counts in per_sample for c in counts})
    out.class_counts = {c: [counts.get(c, 0) for counts in per_sample] for c in classes}
    out.params = dict(sorted(params.items()))
    return out


def _stats(values: list[float], digits: int = 3) -> str:
    if not values:
        return "– | – | –"
    mean = sum(values) / len(values)
    return f"{min(values):.{digits}g} | {mean:.{digits}g} | {max(values):.{digits}g}"


def markdown(s: Spread) -> str:
    drawn = len(s.objects_per_sample)
    lines = [f"### {s.scene}", "",
             f"{s.samples} samples ({drawn} drawn"
             + (f", {s.rejected} with no accepted attempt" if s.rejected else "")
             + f"); objects per sample min / mean / max: {_stats(s.objects_per_sample)}"
             .replace(" | ", " / ") + f"; {len(s.class_counts)} distinct classes.", "",
             "| class | samples with it | per sample min | mean | max | instances |",
             "|---|---|---|---|---|---|"]
    for name, counts in s.class_counts.items():
        present = sum(1 for c in counts if c)
        lines.append(f"| {name} | {present} | {_stats(counts)} | {sum(counts)} |")
    varying = {key: v for key, v in s.params.items() if len(set(v)) > 1}
    fixed = len(s.params) - len(varying)
    lines.append("")
    if varying:
        lines += ["| generator | parameter | instances | min | mean | max | distinct |",
                  "|---|---|---|---|---|---|---|"]
        for (gen, name), v in varying.items():
            lines.append(f"| {gen} | {name} | {len(v)} | {_stats(v, 4)} | {len(set(v))} |")
        lines.append("")
    if s.params:
        lines.append(f"{len(varying)} generator parameters vary; {fixed} take one value.")
    else:
        lines.append("No procedural objects.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenes", nargs="+", type=Path)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for path in args.scenes:
        print(markdown(scene_spread(load_scene(path), args.samples, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
