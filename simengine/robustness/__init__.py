"""Robustness scores of a model on a store's corrupted variants (``simengine score``).

- ``metrics``: accuracy, confusion-matrix mIoU, COCO AP (pycocotools) from predictions;
- ``scores``: each benchmark's published scores on small tables (ImageNet-C CE / mCE /
  relative mCE, Robo3D CE / RR, MultiCorrupt RA / RRA, KITTI-C CE / RCE);
- ``baselines``: the published baseline results shipped for them (AlexNet on ImageNet-C...);
- ``benchmarks``: what each benchmark averages and normalises by;
- ``variants``, ``results``, ``cells``: the store's record of every variant, the model's
  results files, and their join into one value per (corruption, severity);
- ``score``: all of it, into the scores JSON. See docs/robustness.md.
"""
