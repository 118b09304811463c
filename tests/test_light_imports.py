"""Reading a store needs neither Numba nor PyBullet: the store, ``simengine.open_store``, the
viewer, the report, the exports, the torch ``StoreDataset`` and ``open_xarray`` import, and
read a small store, in a fresh interpreter without loading either (only the engine needs
them)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from .conftest import MINI, ROOT

HEAVY = ("numba", "pybullet")

CASES = {
    "store": """
        import simengine.store, simengine.store.info, simengine.store.verify
        from simengine.store.reader import StoreReader
        StoreReader(STORE)[0]
        """,
    "open_store": """
        import simengine
        store = simengine.open_store(STORE)
        store[len(store) - 1]
        """,
    "viewer": """
        import simengine.viewer
        from simengine.viewer.index import build_index
        from simengine.viewer.store_view import StoreView
        build_index(StoreView(STORE))
        """,
    "report": """
        from simengine.report.build import write_report
        write_report(STORE, OUT / "report.html", calibration_samples=2, sheet_samples=2)
        """,
    "export": """
        from simengine.export.coco import export_coco
        from simengine.export.kitti import export_kitti
        export_coco(STORE, OUT / "coco")
        export_kitti(STORE, OUT / "kitti")
        """,
    "torch StoreDataset": """
        from simengine.adapters.torch import StoreDataset
        dataset = StoreDataset(STORE)
        dataset[0], dataset.__getitems__([0, 1])
        """,
    "xarray open_xarray": """
        import simengine
        simengine.open_xarray(STORE).compute()
        """,
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from simengine import Engine
    from simengine.jobs.render_store import render_store

    path = tmp_path_factory.mktemp("light") / "mini.zarr"
    render_store(Engine(MINI, seed=0), str(path), 2, block_size=2, progress=False)
    return path


@pytest.mark.parametrize("case", CASES)
def test_reading_a_store_loads_neither_numba_nor_pybullet(case, store, tmp_path):
    if case.startswith("torch"):
        pytest.importorskip("torch", reason="the torch adapter needs torch")
    if case.startswith("xarray"):
        pytest.importorskip("xarray", reason="open_xarray needs the xarray extra")
    code = (f"import pathlib, sys\nSTORE, OUT = {str(store)!r}, pathlib.Path({str(tmp_path)!r})\n"
            + textwrap.dedent(CASES[case])
            + f"\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"
