"""The sections of ``tools/bench.py``, one module each, sharing ``table`` (timing medians,
ratio rows, table printing). ``tools/bench.py`` runs them all; the scale-out and corruption
sections also run alone from the repository root:

    python -m tools.benchmarks.scale [--scene scenes/tabletop.yaml] [--samples N] [--quick]
    python -m tools.benchmarks.corruptions [--repeat 5] [--severities 3 5] [--only NAME ...]

Each section module is the only place that imports the package internals it measures, so a
moved module is repointed in one file.
"""
