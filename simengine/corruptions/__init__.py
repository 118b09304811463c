"""Robustness corruptions: pure, labelled functions of (data, severity, rng, context), by
modality in ``camera``, ``lidar``, ``audio`` and ``cross``; ``registry`` finds them by name,
``apply`` applies a scene's corruption sets to a sample."""

from .base import Corruption, Result, register
from .registry import get, names

__all__ = ["Corruption", "Result", "get", "names", "register"]
