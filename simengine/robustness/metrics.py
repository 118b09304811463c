"""Task metrics computed from predictions, accumulated over a set of samples.

- accuracy: the fraction of predicted class ids equal to the targets;
- mIoU: per-class IoU = TP / (TP + FP + FN) from one confusion matrix accumulated over every
  sample of the set, averaged over the classes present in the ground truth or the
  predictions (a class absent from both has no IoU and is ignored), as the usual
  confusion-matrix mIoU (e.g. the SemanticKITTI and Cityscapes evaluation scripts);
- COCO AP: AP averaged over IoU 0.50:0.95 (``COCOeval.stats[0]``) by pycocotools, imported
  only here (the ``test`` extra installs it).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def accuracy(predicted: np.ndarray, target: np.ndarray) -> float:
    p, t = np.asarray(predicted).reshape(-1), np.asarray(target).reshape(-1)
    return float(np.mean(p == t)) if t.size else float("nan")


def confusion(target: np.ndarray, predicted: np.ndarray, num_classes: int,
              valid: np.ndarray | None = None) -> np.ndarray:
    """(num_classes, num_classes) int64 counts, rows = ground truth, columns = prediction;
    ``valid`` (same shape, bool) picks the elements that count."""
    t = np.asarray(target, np.int64).reshape(-1)
    p = np.asarray(predicted, np.int64).reshape(-1)
    if valid is not None:
        keep = np.asarray(valid, bool).reshape(-1)
        t, p = t[keep], p[keep]
    if t.size and (t.min() < 0 or t.max() >= num_classes or p.min() < 0
                   or p.max() >= num_classes):
        raise ValueError(f"class ids outside 0..{num_classes - 1}")
    return np.bincount(t * num_classes + p, minlength=num_classes * num_classes
                       ).reshape(num_classes, num_classes)


def iou_per_class(conf: np.ndarray) -> np.ndarray:
    """IoU per class; NaN for a class absent from both ground truth and predictions."""
    tp = np.diag(conf).astype(np.float64)
    union = conf.sum(0) + conf.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, tp / union, np.nan)


def mean_iou(conf: np.ndarray) -> float:
    iou = iou_per_class(conf)
    return float(np.nanmean(iou)) if np.isfinite(iou).any() else float("nan")


def coco_ap(ground_truth: Iterable[dict], detections: Iterable[dict], images: list[int],
            categories: list[int]) -> float:
    """COCO box AP@[.5:.95] of ``detections`` against ``ground_truth`` over ``images``.

    ground_truth: dicts {image_id, category_id, bbox [x, y, w, h], area};
    detections: dicts {image_id, category_id, bbox, score}. With no ground truth box at all
    COCO's AP is undefined (-1): NaN here."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO()
    anns = [{**a, "id": i + 1, "iscrowd": 0} for i, a in enumerate(ground_truth)]
    gt.dataset = {"images": [{"id": i} for i in images], "annotations": anns,
                  "categories": [{"id": c} for c in categories]}
    _quiet(gt.createIndex)
    dets = list(detections)
    if not anns:
        return float("nan")
    if not dets:
        return 0.0
    dt = _quiet(gt.loadRes, [dict(d) for d in dets])
    ev = COCOeval(gt, dt, "bbox")
    ev.params.imgIds = list(images)
    _quiet(ev.evaluate)
    _quiet(ev.accumulate)
    _quiet(ev.summarize)
    ap = float(ev.stats[0])
    return float("nan") if ap < 0 else ap


def _quiet(fn, *args):
    """pycocotools prints progress to stdout; the CLI's output stays ours."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)
