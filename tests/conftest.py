"""Shared fixtures: small scenes and stores rendered once per session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "scenes" / "mini.yaml"


@pytest.fixture(scope="session")
def mini_scene_path() -> Path:
    return MINI


def assert_samples_equal(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    """Same keys, dtypes, shapes and bytes."""
    assert a.keys() == b.keys()
    for key, value in a.items():
        x, y = np.asarray(value), np.asarray(b[key])
        assert x.dtype == y.dtype, key
        assert x.shape == y.shape, key
        assert x.tobytes() == y.tobytes(), key


def tree_bytes(path: Path) -> dict[str, bytes]:
    """Every file of a store by relative path (temporary *.partial files excluded). The run
    log under ``logs/`` is skipped: it records times and the host of each render
    (store.runlog), which differ between otherwise byte-identical renders."""
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*"))
            if f.is_file() and not f.name.endswith(".partial")
            and f.relative_to(path).parts[0] != "logs"}
