"""The sensor kinds: each kind's store key prefix, parameters and model class, stated once.

A scene's ``kind: microphone`` writes ``audio/<name>/...`` arrays and takes ``audio``
corruptions: the key prefix doubles as the corruption modality. Light to import (no Numba):
the spec loader reads the parameter declarations and the viewer, reports and exports the
prefixes; a model class loads on first use (:func:`sensor_class`).

Adding a sensor kind: a subpackage with ``params.py`` (``PARAMS``) and a model class
implementing :class:`~simengine.sensors.base.Sensor`, and one entry in ``KINDS``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..params import Field
    from .base import Sensor


@dataclass(frozen=True)
class SensorKind:
    kind: str  # the scene's ``kind:``
    prefix: str  # store key prefix (``<prefix>/<sensor>/<array>``) and corruption modality
    model: str  # ``module:Class`` of the model, relative to this package


# In this order everywhere a sample lists sensors by kind (corrupted targets included).
KINDS: dict[str, SensorKind] = {k.kind: k for k in (
    SensorKind("camera", "camera", "camera.sensor:Camera"),
    SensorKind("lidar", "lidar", "lidar.sensor:Lidar"),
    SensorKind("microphone", "audio", "microphone.sensor:MicrophoneArray"),
)}
PREFIXES: dict[str, str] = {k.kind: k.prefix for k in KINDS.values()}
KIND_OF_PREFIX: dict[str, str] = {k.prefix: k.kind for k in KINDS.values()}


def params_of(kind: str) -> dict[str, Field]:
    """The parameters a preset or override of sensor ``kind`` may set."""
    return importlib.import_module(f"{__package__}.{KINDS[kind].kind}.params").PARAMS


def sensor_class(kind: str) -> type[Sensor]:
    module, name = KINDS[kind].model.split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), name)


def sensor_class_of_prefix(prefix: str) -> type[Sensor]:
    return sensor_class(KIND_OF_PREFIX[prefix])
