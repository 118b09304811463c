"""Task metrics against hand-worked cases, and COCO AP through pycocotools on known boxes
whose AP follows from the IoU thresholds by hand."""

from __future__ import annotations

import numpy as np
import pytest

from simengine.robustness import metrics


def test_accuracy():
    assert metrics.accuracy(np.array([1, 2, 3, 4]), np.array([1, 0, 3, 0])) == .5


def test_miou_hand_case():
    # ground truth 0 0 1 1 2, predicted 0 1 1 1 0, four classes (3 absent from both):
    # class 0: TP 1, FN 1 (0 -> 1), FP 1 (2 -> 0): IoU 1/3
    # class 1: TP 2, FP 1 (0 -> 1), FN 0: IoU 2/3
    # class 2: TP 0, FN 1: IoU 0; class 3: no IoU, ignored. mIoU = (1/3 + 2/3 + 0) / 3 = 1/3
    conf = metrics.confusion(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 0]), 4)
    assert conf.sum() == 5 and conf[0, 1] == 1 and conf[2, 0] == 1
    iou = metrics.iou_per_class(conf)
    assert iou[:3] == pytest.approx([1 / 3, 2 / 3, 0.0]) and np.isnan(iou[3])
    assert metrics.mean_iou(conf) == pytest.approx(1 / 3)


def test_miou_accumulates_over_samples_not_per_sample_mean():
    # sample a: gt 0 0, pred 0 0 (class 0 perfect); sample b: gt 1 1 1 0, pred 1 0 0 0.
    # Accumulated: class 0 TP 3, FP 2 (1 -> 0), FN 0: 3/5; class 1 TP 1, FN 2: 1/3;
    # mIoU = (3/5 + 1/3) / 2 = 7/15 (a per-sample mean would give (1 + (1/3 + 1/4)/2)/2)
    conf = (metrics.confusion(np.array([0, 0]), np.array([0, 0]), 2)
            + metrics.confusion(np.array([1, 1, 1, 0]), np.array([1, 0, 0, 0]), 2))
    assert metrics.mean_iou(conf) == pytest.approx(7 / 15)


def test_confusion_valid_mask_and_range():
    conf = metrics.confusion(np.array([0, 1, 1]), np.array([1, 1, 0]), 2,
                             valid=np.array([False, True, False]))
    assert conf.tolist() == [[0, 0], [0, 1]]
    with pytest.raises(ValueError, match="outside"):
        metrics.confusion(np.array([0]), np.array([2]), 2)


GT = [{"image_id": 1, "category_id": 3, "bbox": [0.0, 0.0, 10.0, 10.0], "area": 100.0},
      {"image_id": 2, "category_id": 3, "bbox": [20.0, 20.0, 10.0, 10.0], "area": 100.0}]


def test_coco_ap_perfect_detections():
    dets = [{"image_id": g["image_id"], "category_id": 3, "bbox": g["bbox"], "score": .9}
            for g in GT]
    assert metrics.coco_ap(GT, dets, [1, 2], [3]) == pytest.approx(1.0)


def test_coco_ap_partial_overlap_by_threshold():
    # one ground truth box 10 x 10 and one detection 10 x 6.2 inside it: IoU = 62 / 100 =
    # .62, a match at the thresholds .50 .55 .60 and none at .65 .. .95: AP = 3/10 = .3
    dets = [{"image_id": 1, "category_id": 3, "bbox": [0.0, 0.0, 10.0, 6.2], "score": .9}]
    assert metrics.coco_ap(GT[:1], dets, [1], [3]) == pytest.approx(.3)


def test_coco_ap_half_found():
    # two ground truths, one perfect detection: recall .5 at precision 1; COCO's 101-point
    # interpolated precision is 1 for recall <= .5 (51 points) and 0 above: AP = 51/101
    dets = [{"image_id": 1, "category_id": 3, "bbox": GT[0]["bbox"], "score": .9}]
    assert metrics.coco_ap(GT, dets, [1, 2], [3]) == pytest.approx(51 / 101)


def test_coco_ap_no_detections_and_no_truth():
    assert metrics.coco_ap(GT, [], [1, 2], [3]) == 0.0
    assert np.isnan(metrics.coco_ap([], [], [1], [3]))
