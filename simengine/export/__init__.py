"""Exports of a store to other datasets' formats: COCO (``export.coco``) and KITTI 3D object
detection (``export.kitti``), as ``simengine export --format coco|kitti``."""
