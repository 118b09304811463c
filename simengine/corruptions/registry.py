"""The corruption registry: every corruption of the four modality subpackages, by name.

Each subpackage (``camera``, ``lidar``, ``audio``, ``cross``) lists the modules that declare
its corruptions in ``MODULES``; the registry collects what those modules declare
(``base.register``) and nothing else. Adding a corruption module means adding it to its
subpackage's ``MODULES``. A corruption must belong to the modality of its subpackage, and a
name may be declared once.

The subpackages are loaded on the first lookup, not when this module is imported: they bring
cv2, scipy and Numba kernels, which code that only reads the registry's types (stores,
reports, scene specs) does not need.
"""

from __future__ import annotations

import functools

from .base import CONTEXT_KEYS, MODALITIES, SEVERITIES, Corruption, Result, declared_in

__all__ = ["CONTEXT_KEYS", "MODALITIES", "SEVERITIES", "Corruption", "Result", "get", "names"]


def get(name: str) -> Corruption:
    registry = _loaded()
    try:
        return registry[name]
    except KeyError:
        raise KeyError(f"unknown corruption {name!r}; known: {', '.join(sorted(registry))}"
                       ) from None


def names(modality: str | None = None) -> list[str]:
    return sorted(n for n, c in _loaded().items() if modality in (None, c.modality))


@functools.cache
def _loaded() -> dict[str, Corruption]:
    from .audio import MODULES as AUDIO
    from .camera import MODULES as CAMERA
    from .cross import MODULES as CROSS
    from .lidar import MODULES as LIDAR

    registry: dict[str, Corruption] = {}
    for modules, modality in ((CAMERA, "camera"), (LIDAR, "lidar"), (AUDIO, "audio"),
                              (CROSS, "cross")):
        for module in modules:
            for corruption in declared_in(module):
                if corruption.modality != modality:
                    raise ValueError(f"{module.__name__}: {corruption.name} is a "
                                     f"{corruption.modality} corruption in the {modality} "
                                     "subpackage")
                if corruption.name in registry:
                    raise ValueError(f"corruption {corruption.name!r} declared twice")
                registry[corruption.name] = corruption
    return registry
