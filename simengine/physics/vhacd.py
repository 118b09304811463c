"""PyBullet's VHACD convex decomposition of a mesh source, cached on disk.

VHACD takes seconds per mesh, so its output is kept in a cache folder
(``$SIMENGINE_CACHE_DIR/vhacd``, else ``~/.cache/simengine/vhacd``) under a name that is a
hash of what decides it: the mesh's triangles (as the OBJ text handed to VHACD, so a file is
keyed by its content, not its path or time), the VHACD parameters and PyBullet's API version.
A cached decomposition is never written twice: a run writes into a temporary file in the
cache folder and renames it into place (atomic on one file system), so workers racing on the
same mesh each find either nothing or a whole file, and the loser's rename replaces equal
bytes (VHACD is deterministic for the same input and parameters). Where the cache folder
cannot be written (a read-only home), each process decomposes into a temporary folder of its
own instead.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from .._pybullet import pybullet as p

# V-HACD 2.2's documented defaults (the usage text ``pybullet.vhacd`` prints; see
# docs/references.md, "VHACD collision"), passed in full: PyBullet's binding, left to itself,
# runs with concavity 0.001 and gamma 0.0005 (its log). Changing any value re-keys the cache.
# PyBullet 3.2.6 voxelises on the same grid (its log's "dim = 64") whatever ``resolution``
# says: measured, 10 000 and 50 000 gave the same bytes.
VHACD_PARAMS = {"resolution": 100000, "depth": 20, "concavity": 0.0025, "planeDownsampling": 4,
                "convexhullDownsampling": 4, "alpha": 0.05, "beta": 0.05, "gamma": 0.00125,
                "pca": 0, "mode": 0, "maxNumVerticesPerCH": 64, "minVolumePerCH": 0.0001,
                "convexhullApproximation": 1}


def cache_dir() -> Path:
    """Where decompositions are kept (read at each call, so a test may point it elsewhere)."""
    base = os.environ.get("SIMENGINE_CACHE_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "simengine"
    return root / "vhacd"


def obj_text(vertices: np.ndarray, faces: np.ndarray) -> str:
    """A mesh as Wavefront OBJ text, floats in shortest round-trip form (the same arrays give
    the same text on every machine)."""
    lines = [f"v {x!r} {y!r} {z!r}" for x, y, z in np.asarray(vertices, np.float64).tolist()]
    lines += [f"f {a + 1} {b + 1} {c + 1}" for a, b, c in np.asarray(faces).tolist()]
    return "\n".join(lines) + "\n"


def decomposition_key(text: str) -> str:
    """The cache name of the decomposition of OBJ ``text`` with ``VHACD_PARAMS``."""
    what = {"mesh": hashlib.sha256(text.encode()).hexdigest(), "params": VHACD_PARAMS,
            "pybullet_api": p.getAPIVersion()}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def decomposed_obj(vertices: np.ndarray, faces: np.ndarray) -> str:
    """The path of the OBJ holding VHACD's convex pieces of the mesh (one ``o`` object per
    piece), from the cache or decomposed now and cached."""
    text = obj_text(vertices, faces)
    name = f"{decomposition_key(text)}.obj"
    folder = cache_dir()
    if (folder / name).is_file():
        return str(folder / name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise PermissionError(folder)
    except OSError:  # a read-only home or install: decompose into this process's own folder
        folder = _process_folder()
        if (folder / name).is_file():
            return str(folder / name)
    out = folder / name
    with tempfile.TemporaryDirectory(dir=folder, prefix=".vhacd-") as tmp:
        src, dst, log = (os.path.join(tmp, n) for n in ("in.obj", "out.obj", "log.txt"))
        with open(src, "w", encoding="ascii") as f:
            f.write(text)
        with _quiet_stdout():  # VHACD prints its progress on the C stdout
            p.vhacd(src, dst, log, **VHACD_PARAMS)
        if not os.path.isfile(dst) or os.path.getsize(dst) == 0:
            raise RuntimeError(f"VHACD wrote no decomposition (its log: {log})")
        os.replace(dst, out)
    return str(out)


@functools.cache
def _process_folder() -> Path:
    """A temporary folder for this process's decompositions, removed when it exits."""
    folder = tempfile.mkdtemp(prefix="simengine-vhacd-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(folder)


@contextlib.contextmanager
def _quiet_stdout():
    """Point file descriptor 1 at /dev/null for the duration (C code writes past sys.stdout)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
