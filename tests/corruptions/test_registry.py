"""The registry: every corruption module of the modality subpackages is listed and loaded,
each corruption sits in the subpackage of its modality, and looking corruptions up loads
neither ``apply`` nor the scene spec (no way back into ``spec.corruptions``)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

from simengine.corruptions import base, names, registry

PACKAGES = ("camera", "lidar", "audio", "cross")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_declaring_module_is_listed(package):
    """A module that declares corruptions but is missing from its subpackage's ``MODULES``
    would silently drop them from the registry."""
    sub = importlib.import_module(f"simengine.corruptions.{package}")
    declaring = set()
    for info in pkgutil.iter_modules(sub.__path__):
        module = importlib.import_module(f"{sub.__name__}.{info.name}")
        if base.declared_in(module):
            declaring.add(module.__name__)
    assert declaring == {m.__name__ for m in sub.MODULES}


@pytest.mark.parametrize("package", PACKAGES)
def test_corruptions_sit_in_their_modality(package):
    assert set(names(package)) == {c.name for m in importlib.import_module(
        f"simengine.corruptions.{package}").MODULES for c in base.declared_in(m)}
    assert names(package)


def test_modalities_are_the_subpackages():
    assert base.MODALITIES == PACKAGES
    assert sorted(names()) == sorted(n for p in PACKAGES for n in names(p))


def test_lookup_loads_the_subpackages_and_not_apply():
    """The corruption modules load on the first lookup, not with the package; the lookup
    does not load ``apply`` (which imports ``spec.corruptions``, which looks corruptions up
    here: the circle the old walk over every module of the package made)."""
    code = ("import sys\n"
            "from simengine.corruptions import names\n"
            "loaded = lambda m: f'simengine.corruptions.{m}' in sys.modules\n"
            "print(loaded('camera'), loaded('apply'))\n"
            "names()\n"
            "print(loaded('camera'), loaded('apply'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False", "True", "False"]


def test_registry_reexports_the_types():
    assert registry.Corruption is base.Corruption and registry.Result is base.Result
