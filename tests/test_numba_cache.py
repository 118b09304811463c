"""The compilation cache is keyed by the sources a kernel is built from, its own module's
and those of the modules it takes kernels from (Numba itself only checks the kernel's own
file, so an edited dependency would load a stale inlined copy)."""

from __future__ import annotations

import importlib
import sys

from simengine import _numba, settings

BASE = ("from simengine._numba import kernel\n\n\n"
        "@kernel(inline='always')\ndef f(x):\n    return x + {}\n")
USER = ("from base_mod import f\nfrom simengine._numba import kernel\n\n\n"
        "@kernel\ndef g(x):\n    return f(x) * 2\n")


def test_digest_follows_the_modules_a_kernel_inlines(tmp_path, monkeypatch):
    (tmp_path / "base_mod.py").write_text(BASE.format(1))
    (tmp_path / "user_mod.py").write_text(USER)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("SIMENGINE_NUMBA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(settings, "_SETTING", str(tmp_path / "cache"))
    for name in ("base_mod", "user_mod"):
        sys.modules.pop(name, None)
    try:
        user = importlib.import_module("user_mod")
        assert user.g(1) == 4
        before = _numba.module_digest("user_mod")
        own = _numba.module_digest("base_mod")
        (tmp_path / "base_mod.py").write_text(BASE.format(2))
        assert _numba.module_digest("user_mod") != before  # the dependency changed
        assert _numba.module_digest("base_mod") != own
        (tmp_path / "base_mod.py").write_text(BASE.format(1))
        assert _numba.module_digest("user_mod") == before  # keyed by content, not time
    finally:
        for name in ("base_mod", "user_mod"):
            sys.modules.pop(name, None)


def test_camera_kernels_are_keyed_by_the_geometry_core_too():
    import simengine.sensors.camera._kernels  # noqa: F401

    seen: set[str] = set()
    _numba._kernel_sources("simengine.sensors.camera._kernels", seen)
    names = {p.replace("\\", "/").rsplit("/", 1)[-1] for p in seen}
    assert {"_kernels.py", "_raycast_kernels.py"} <= names


def test_cache_can_be_switched_off_or_moved(monkeypatch, tmp_path):
    monkeypatch.setattr(settings, "_SETTING", str(tmp_path))
    assert settings.numba_cache_base() == tmp_path
    monkeypatch.setattr(settings, "_SETTING", "")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "n"))
    assert settings.numba_cache_base() == tmp_path / "n"


def test_a_kernel_without_refcounts_reads_arrays_and_calls_counted_kernels():
    """refcounts=False reaches Numba (no reference counting in that kernel), and such a
    kernel still reads its arrays and passes them on to ordinary kernels."""
    import numpy as np

    @_numba.kernel
    def total(a):
        return a.sum()

    @_numba.kernel(refcounts=False)
    def weighted(a, w):
        return total(a) * w[0]

    assert weighted.targetoptions["_nrt"] is False
    assert "_nrt" not in total.targetoptions
    assert weighted(np.arange(5.0), np.array([2.0])) == 20.0
