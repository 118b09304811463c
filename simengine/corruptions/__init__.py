"""Robustness corruptions: pure, labelled functions of (data, severity, rng, context)."""

from .registry import Corruption, Result, get, names, register

__all__ = ["Corruption", "Result", "get", "names", "register"]
