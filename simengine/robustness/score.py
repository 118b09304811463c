"""``simengine score``: a model's results on a store → the benchmark's scores, as JSON.

The baseline (``--baseline``) is a shipped name (``baselines.BASELINES``), a JSON file
``{"kind": "error"|"score", "clean": x, "corruptions": {name: [value per severity] or
[average]}}``, or the scores JSON of an earlier ``simengine score`` run (its table, e.g. a
reference model on the same store). It must hold every scored corruption.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .._version import __version__
from ..errors import UserError
from . import baselines, results, scores
from .benchmarks import Benchmark
from .benchmarks import get as get_benchmark
from .cells import CellTable, from_predictions, from_values
from .variants import read_variants


def load_baseline(spec: str | None, bench: Benchmark) -> dict | None:
    """The baseline as {"name", "kind", "clean", "corruptions"}, in ``bench.baseline_kind``."""
    spec = spec or bench.default_baseline
    if spec is None:
        return None
    if spec in baselines.BASELINES:
        doc = baselines.BASELINES[spec].to_dict()
    else:
        p = Path(spec)
        if not p.is_file():
            raise UserError(f"--baseline: {spec}: neither a shipped baseline "
                            f"({', '.join(sorted(baselines.BASELINES))}) nor a file")
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise UserError(f"--baseline: {spec}: not valid JSON ({exc.msg})") from None
        if isinstance(doc, dict) and "table" in doc and "clean" in doc:  # a scores file
            doc = {"name": spec, "kind": "score", "clean": doc["clean"],
                   "corruptions": doc["table"]}
        if (not isinstance(doc, dict) or doc.get("kind") not in ("error", "score")
                or not isinstance(doc.get("corruptions"), dict)):
            raise UserError(f"--baseline: {spec}: expected {{\"kind\": \"error\"|\"score\", "
                            "\"clean\": x, \"corruptions\": {name: [values]}} or a scores "
                            "file of simengine score")
        doc.setdefault("name", spec)
    out = {"name": doc["name"], "kind": bench.baseline_kind, "clean": doc.get("clean"),
           "corruptions": {}}
    flip = doc["kind"] != bench.baseline_kind  # error = 1 − score
    for c, given in doc["corruptions"].items():
        vals = [float(v) for v in (given if isinstance(given, list) else [given])]
        out["corruptions"][c] = [1.0 - v for v in vals] if flip else vals
    if out["clean"] is not None and flip:
        out["clean"] = 1.0 - float(out["clean"])
    return out


def _check_baseline(base: dict, names: list[str], severities: int, spec: str) -> None:
    missing = [c for c in names if c not in base["corruptions"]]
    if missing:
        raise UserError(f"--baseline: {spec}: no values for {', '.join(missing)} (it has "
                        f"{', '.join(sorted(base['corruptions'])) or 'none'})")
    for c in names:
        if len(base["corruptions"][c]) not in (1, severities):
            raise UserError(f"--baseline: {spec}: {c}: expected 1 or {severities} values, got "
                            f"{len(base['corruptions'][c])}")


def score(store: str, results_path: str, benchmark: str, baseline: str | None = None) -> dict:
    """The scores document (nothing written)."""
    bench = get_benchmark(benchmark)
    base = load_baseline(baseline, bench)
    sv = read_variants(store, bench)
    if results.is_predictions(results_path):
        preds = results.Predictions(results_path)
        tab = from_predictions(sv, preds, bench.severities)
        source = f"predictions ({preds.task})"
    else:
        values, metric = results.read_values(results_path)
        tab = from_values(sv, values, metric, bench.severities, results_path)
        source = "metric values"
    names = list(tab.values)
    listed = bench.corruptions()
    averaged = [c for c in (bench.averaged() or names) if c in tab.values]
    outside = [c for c in names if listed and c not in listed]
    if outside:
        raise UserError(f"{store}: corruption {outside[0]} is not one of {bench.name}'s")
    if base is not None:
        _check_baseline(base, names, bench.severities, baseline or bench.default_baseline)
    computed = bench.compute(tab.values, tab.clean, base, averaged)
    return _document(store, results_path, bench, tab, source, base, computed, averaged,
                     [c for c in (bench.averaged() or []) if c not in tab.values])


def _document(store, results_path, bench, tab: CellTable, source, base, computed, averaged,
              missing) -> dict:
    return {
        "format": "simengine-scores", "version": 1, "engine_version": __version__,
        "benchmark": bench.name, "title": bench.title,
        "definitions": f"docs/references.md#{bench.reference}",
        "store": str(store), "results": str(results_path), "input": source,
        "metric": tab.metric, "kind": "score", "severities": bench.severities,
        "samples": tab.samples, "clean": tab.clean, "clean_count": tab.clean_count,
        "table": tab.values, "counts": tab.counts,
        "per_severity": scores.per_severity(tab.values, averaged),
        "averaged_over": averaged, "missing_corruptions": missing,
        "complete": not missing,
        "variants_not_a_cell": tab.not_a_cell, "results_ignored": tab.ignored,
        "baseline": None if base is None else {k: base[k] for k in ("name", "kind", "clean")},
        "headline": {k: computed[k] for k in bench.headline if k in computed},
        "scores": computed,
    }


def write_scores(doc: dict, output: str | Path) -> Path:
    out = Path(output)
    if out.is_dir():
        raise UserError(f"{output}: is a directory, expected a .json file name")
    if not out.parent.exists():
        raise UserError(f"{output}: directory {out.parent} does not exist")
    text = json.dumps(_finite(doc), indent=2) + "\n"
    out.write_text(text, encoding="utf-8")
    return out


def _finite(x):
    """JSON has no NaN: undefined numbers (e.g. mIoU of an empty cell) are written null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return x
