"""Reading a model's results: metric values per (sample, variant), or predictions.

**Metric values** (a ``.csv`` or ``.json`` file): one value per (sample, variant), a score
where higher is better (accuracy 0/1, mIoU, AP, NDS, ... as a fraction):

- CSV with a header naming the columns ``sample``, ``variant``, ``value`` (other columns
  are refused); ``sample`` an integer, ``variant`` ``clean`` or ``<set>/<slot>``;
- JSON ``{"metric": "<name>", "values": [{"sample": 0, "variant": "clean", "value": 1.0},
  ...]}`` (``metric`` optional, only a label).

A cell's value (one corruption at one severity, or clean) is the mean over its
(sample, variant) values, so per-sample 0/1 correctness gives accuracy.

**Predictions** (a ``.npz`` file, or a directory of ``.npz`` files read as one): the array
``task`` (a string: ``class``, ``mask``, ``points`` or ``boxes``), optionally ``sensor``
(a camera or lidar name; default the store's first of the kind), and one array per
(sample, variant) under the key ``<sample>/<variant>`` (e.g. ``12/clean``, ``12/ic/7``):

- ``class``: a predicted class id (any shape with one element); the targets are given as
  ``target/<sample>`` (the store holds no image-level class);
- ``mask``: the camera's ``semantic`` shape for one sample, (F, H, W), class ids;
- ``points``: the lidar's ``semantic`` shape for one sample, (F, [S,] R, C), class ids;
- ``boxes``: (N, 7) rows ``frame, x, y, w, h, score, class_id`` (COCO pixel-corner
  coordinates, as ``simengine export coco``).
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

from ..errors import UserError

TASKS = ("class", "mask", "points", "boxes")
Key = tuple[int, str]


def is_predictions(path: str | Path) -> bool:
    p = Path(path)
    return p.suffix == ".npz" or p.is_dir()


def read_values(path: str | Path) -> tuple[dict[Key, float], str]:
    """(values by (sample, variant), metric label)."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{path}: no such results file")
    if p.suffix == ".csv":
        rows, metric = _csv_rows(p), "value"
    elif p.suffix == ".json":
        rows, metric = _json_rows(p)
    else:
        raise UserError(f"{path}: expected a .csv or .json file of metric values, or a .npz "
                        "file / directory of predictions")
    out: dict[Key, float] = {}
    for i, (sample, variant, value) in enumerate(rows):
        where = f"{path}: row {i + 1}"
        try:
            k, v = int(sample), float(value)
        except (TypeError, ValueError):
            raise UserError(f"{where}: expected an integer sample and a number value, got "
                            f"{sample!r}, {value!r}") from None
        if not math.isfinite(v):
            raise UserError(f"{where}: expected a finite value, got {value!r}")
        key = (k, str(variant))
        if key in out:
            raise UserError(f"{where}: sample {k} variant {variant} given twice")
        out[key] = v
    if not out:
        raise UserError(f"{path}: no values")
    return out, metric


def _csv_rows(p: Path) -> list[tuple]:
    with p.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if sorted(reader.fieldnames or []) != ["sample", "value", "variant"]:
            raise UserError(f"{p}: expected the CSV header sample,variant,value, got "
                            f"{','.join(reader.fieldnames or [])}")
        return [(r["sample"], r["variant"], r["value"]) for r in reader]


def _json_rows(p: Path) -> tuple[list[tuple], str]:
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{p}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        raise UserError(f"{p}: expected {{\"values\": [{{\"sample\", \"variant\", "
                        "\"value\"}}, ...]}")
    rows = []
    for i, r in enumerate(doc["values"]):
        if not isinstance(r, dict) or set(r) != {"sample", "variant", "value"}:
            raise UserError(f"{p}: values[{i}]: expected the keys sample, variant, value")
        rows.append((r["sample"], r["variant"], r["value"]))
    return rows, str(doc.get("metric", "value"))


class Predictions:
    """The arrays of a predictions file (or directory), checked for the layout above."""

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        files = sorted(p.glob("*.npz")) if p.is_dir() else [p]
        if not files or not all(f.is_file() for f in files):
            raise UserError(f"{path}: no .npz predictions file")
        self.path = str(path)
        self.arrays: dict[str, np.ndarray] = {}
        for f in files:
            try:
                with np.load(f, allow_pickle=False) as z:
                    for k in z.files:
                        if k in self.arrays and k not in ("task", "sensor"):
                            raise UserError(f"{f}: key {k} also in another file")
                        self.arrays[k] = z[k]
            except (OSError, ValueError) as exc:
                raise UserError(f"{f}: not a readable .npz file ({exc})") from None
        task = self.arrays.pop("task", None)
        if task is None or str(task) not in TASKS:
            raise UserError(f"{path}: expected an array 'task', one of {', '.join(TASKS)}")
        self.task = str(task)
        sensor = self.arrays.pop("sensor", None)
        self.sensor = None if sensor is None else str(sensor)
        self.targets = {int(k.split("/", 1)[1]): v for k, v in self.arrays.items()
                        if k.startswith("target/")}
        self.predictions: dict[Key, np.ndarray] = {}
        for k, v in self.arrays.items():
            if k.startswith("target/"):
                continue
            head, _, variant = k.partition("/")
            if not head.isdigit() or not variant:
                raise UserError(f"{path}: key {k!r}: expected <sample>/<variant>")
            self.predictions[(int(head), variant)] = v
        if not self.predictions:
            raise UserError(f"{path}: no predictions (keys <sample>/<variant>)")
