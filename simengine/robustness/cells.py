"""One metric value per benchmark cell (clean, or one corruption at one severity), from a
model's results joined with the store's record of every variant.

Checks (each a one-line :class:`~simengine.errors.UserError`): every result names a done
sample of the store and a variant it has; every sample with results has them for the clean
variant and for every variant of the scored sets; prediction shapes match the store's
ground truth; every scored corruption has results at every severity of the scale.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..box2d import PixelBox
from ..errors import UserError
from ..store.reader import StoreReader
from . import metrics
from .results import Key, Predictions
from .variants import CLEAN, StoreVariants

Cell = tuple[str, int]


@dataclass
class CellTable:
    metric: str
    clean: float
    values: dict[str, list[float]]  # corruption -> value per severity 1..S
    counts: dict[str, list[int]]  # members (sample, variant) per cell
    clean_count: int
    samples: int
    not_a_cell: int = 0  # variants that applied no corruption or several
    ignored: int = 0  # results for variants of sets not scored
    notes: list[str] = field(default_factory=list)


def members(sv: StoreVariants, keys: set[Key], source: str) -> tuple[dict[Cell, list[Key]],
                                                                      int, int]:
    """The (sample, variant) keys of each cell, after checking coverage."""
    done = set(sv.samples.tolist())
    slots = {f"{k.split('/')[1]}/{k.split('/')[2]}" for k in sv.attrs["arrays"]
             if k.startswith("corrupted/") and k.endswith("/applied")}
    scored = {v for (_, v) in sv.cells}
    ignored = 0
    for k, v in sorted(keys):
        if k not in done:
            raise UserError(f"{source}: sample {k} is not a done sample of {sv.store}")
        if v not in scored:
            if v not in slots:
                raise UserError(f"{source}: sample {k}: unknown variant {v!r}; the store's "
                                f"variants: clean, {', '.join(sorted(slots)) or 'none'}")
            ignored += 1
    samples = sorted({k for k, _ in keys})
    wanted = sv.variants()
    for k in samples:
        for v in wanted:
            if (k, v) not in keys:
                raise UserError(f"{source}: sample {k} has no result for variant {v!r} (every "
                                f"sample needs clean and all {len(wanted) - 1} variants of "
                                f"the scored sets {', '.join(sv.sets)})")
    cells: dict[Cell, list[Key]] = defaultdict(list)
    not_cell = 0
    for k in samples:
        for v in wanted:
            cell = sv.cells[(k, v)]
            if cell is None:
                not_cell += 1
            else:
                cells[cell].append((k, v))
    return dict(cells), not_cell, ignored


def table(cell_values: dict[Cell, float], cell_counts: dict[Cell, int], severities: int,
          metric: str, source: str, samples: int, not_cell: int, ignored: int) -> CellTable:
    if (CLEAN, 0) not in cell_values:
        raise UserError(f"{source}: no result for the clean variant")
    names = sorted({c for c, _ in cell_values if c != CLEAN})
    values, counts = {}, {}
    for c in names:
        missing = [s for s in range(1, severities + 1) if (c, s) not in cell_values]
        if missing:
            raise UserError(f"{source}: no result for {c} at severity {missing[0]} (a "
                            f"benchmark score needs every severity 1..{severities}; "
                            "render the set with policy: grid)")
        values[c] = [cell_values[(c, s)] for s in range(1, severities + 1)]
        counts[c] = [cell_counts[(c, s)] for s in range(1, severities + 1)]
    return CellTable(metric, cell_values[(CLEAN, 0)], values, counts,
                     cell_counts[(CLEAN, 0)], samples, not_cell, ignored)


def from_values(sv: StoreVariants, values: dict[Key, float], metric: str, severities: int,
                source: str) -> CellTable:
    cells, not_cell, ignored = members(sv, set(values), source)
    vals = {cell: float(np.mean([values[m] for m in ms])) for cell, ms in cells.items()}
    return table(vals, {c: len(m) for c, m in cells.items()}, severities, metric, source,
                 len({k for k, _ in values}), not_cell, ignored)


def from_predictions(sv: StoreVariants, preds: Predictions, severities: int) -> CellTable:
    source = preds.path
    cells, not_cell, ignored = members(sv, set(preds.predictions), source)
    scorer = {"class": _class_cells, "mask": _mask_cells, "points": _point_cells,
              "boxes": _box_cells}[preds.task]
    vals, metric = scorer(sv, preds, cells)
    return table(vals, {c: len(m) for c, m in cells.items()}, severities, metric, source,
                 len({k for k, _ in preds.predictions}), not_cell, ignored)


def _sensor(sv: StoreVariants, kind: str, wanted: str | None, source: str) -> str:
    names = [s["name"] for s in sv.attrs["sensors"] if s["kind"] == kind]
    if not names:
        raise UserError(f"{sv.store}: the store has no {kind} for {source}")
    if wanted is None:
        return names[0]
    if wanted not in names:
        raise UserError(f"{source}: sensor {wanted!r} is no {kind} of the store; "
                        f"{kind}s: {', '.join(names)}")
    return wanted


def _class_cells(sv, preds, cells):
    out = {}
    for cell, ms in cells.items():
        p, t = [], []
        for k, v in ms:
            if k not in preds.targets:
                raise UserError(f"{preds.path}: no target/{k} for the class predictions")
            pred = preds.predictions[(k, v)]
            if pred.size != 1 or preds.targets[k].size != 1:
                raise UserError(f"{preds.path}: {k}/{v}: expected one class id, got shape "
                                f"{pred.shape}")
            p.append(int(pred.reshape(-1)[0]))
            t.append(int(preds.targets[k].reshape(-1)[0]))
        out[cell] = metrics.accuracy(np.array(p), np.array(t))
    return out, "accuracy"


def _ground_truth(sv: StoreVariants, keys: list[str], samples: list[int]) -> dict:
    data = StoreReader(sv.store, keys=keys).read(samples)
    return {key: {k: data[key][j] for j, k in enumerate(samples)} for key in keys}


def _segmentation(sv: StoreVariants, preds: Predictions, cells: dict[Cell, list[Key]],
                  gt_key: str, returns_only: bool = False,
                  variant_keys: dict[str, str] | None = None) -> dict[Cell, float]:
    """mIoU per cell from one confusion matrix per cell, reading the ground truth a block
    of samples at a time (never the whole store at once). ``returns_only``: count only
    elements whose ground truth is not 0 (a lidar beam without a return) and, for a variant
    with an array in ``variant_keys`` (its range), only where that array is > 0."""
    variant_keys = variant_keys or {}
    by_sample: dict[int, list[tuple[str, Cell]]] = defaultdict(list)
    for cell, ms in cells.items():
        for k, v in ms:
            by_sample[k].append((v, cell))
    samples = sorted(by_sample)
    reader = StoreReader(sv.store, keys=[gt_key, *sorted(set(variant_keys.values()))])
    n_classes = len(sv.attrs["classes"])
    conf = {cell: np.zeros((n_classes, n_classes), np.int64) for cell in cells}
    for i in range(0, len(samples), reader.block_size):
        chunk = samples[i:i + reader.block_size]
        data = reader.read(chunk)
        for j, k in enumerate(chunk):
            gt = data[gt_key][j]
            for v, cell in by_sample[k]:
                pred = preds.predictions[(k, v)]
                _check_labels(preds.path, k, v, pred, gt, gt_key, n_classes)
                valid = None
                if returns_only:
                    valid = gt != 0
                    if v in variant_keys:
                        valid = valid & (data[variant_keys[v]][j] > 0)
                conf[cell] += metrics.confusion(gt, pred, n_classes, valid)
    return {cell: metrics.mean_iou(c) for cell, c in conf.items()}


def _check_labels(path: str, k: int, v: str, pred: np.ndarray, gt: np.ndarray, gt_key: str,
                  n_classes: int) -> None:
    if pred.shape != gt.shape:
        raise UserError(f"{path}: {k}/{v}: prediction shape {pred.shape}, expected "
                        f"{gt.shape} ({gt_key})")
    if not np.issubdtype(pred.dtype, np.integer):
        raise UserError(f"{path}: {k}/{v}: expected integer class ids, got {pred.dtype}")
    if pred.size and (pred.min() < 0 or pred.max() >= n_classes):
        raise UserError(f"{path}: {k}/{v}: class ids outside 0..{n_classes - 1}")


def _mask_cells(sv, preds, cells):
    cam = _sensor(sv, "camera", preds.sensor, preds.path)
    return _segmentation(sv, preds, cells, f"camera/{cam}/semantic"), "mIoU"


def _point_cells(sv, preds, cells):
    """Points that count: a return in the clean scan (semantic 0 = none) that the variant
    still has (its range > 0); a point the corruption removed has no prediction to score."""
    lid = _sensor(sv, "lidar", preds.sensor, preds.path)
    variants = sorted({v for ms in cells.values() for _, v in ms if v != CLEAN})
    keys = {v: f"corrupted/{v}/lidar/{lid}/range" for v in variants}
    keys = {v: key for v, key in keys.items() if key in sv.attrs["arrays"]}
    return _segmentation(sv, preds, cells, f"lidar/{lid}/semantic", returns_only=True,
                         variant_keys=keys), "mIoU"


def _box_cells(sv, preds, cells):
    cam = _sensor(sv, "camera", preds.sensor, preds.path)
    samples = sorted({k for ms in cells.values() for k, _ in ms})
    keys = [f"camera/{cam}/boxes2d", f"camera/{cam}/visible_pixels", "objects/class_id",
            "objects/count"]
    gt = _ground_truth(sv, keys, samples)
    frames = gt[keys[0]][samples[0]].shape[0]
    categories = sorted({int(c) for k in samples
                         for c in gt["objects/class_id"][k][:int(gt["objects/count"][k])]})
    out = {}
    for cell, ms in cells.items():
        truth, dets, images = [], [], []
        for m, (k, v) in enumerate(ms):
            pred = preds.predictions[(k, v)]
            if pred.ndim != 2 or pred.shape[1] != 7:
                raise UserError(f"{preds.path}: {k}/{v}: expected boxes of shape (N, 7) "
                                f"(frame, x, y, w, h, score, class_id), got {pred.shape}")
            for f in range(frames):
                image = m * frames + f
                images.append(image)
                for o in range(int(gt["objects/count"][k])):
                    box = PixelBox.from_stored(gt[keys[0]][k][f, o])
                    area = int(gt[keys[1]][k][f, o])
                    if box is None or area <= 0:
                        continue
                    truth.append({"image_id": image, "category_id":
                                  int(gt["objects/class_id"][k][o]), "bbox": box.xywh(),
                                  "area": float(area)})
            for row in pred:
                f = int(row[0])
                if not 0 <= f < frames:
                    raise UserError(f"{preds.path}: {k}/{v}: frame {f} outside 0..{frames - 1}")
                dets.append({"image_id": m * frames + f, "bbox": [float(x) for x in row[1:5]],
                             "score": float(row[5]), "category_id": int(row[6])})
        out[cell] = metrics.coco_ap(truth, dets, images, categories)
    return out, "COCO AP"
