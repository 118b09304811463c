"""Timing and tables shared by every benchmark section.

Times are medians of ``repeat`` calls after one untimed call (JIT compilation, caches). A row
holds our time and optionally a baseline's; its ratio is baseline / ours (> 1: we are
faster). Tests may smoke-run the benchmarks; they never assert times.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any


@dataclasses.dataclass(frozen=True)
class Row:
    operation: str
    ours_ms: float | None
    baseline_ms: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ours_ms is None or self.baseline_ms is None or self.ours_ms <= 0:
            return None
        return self.baseline_ms / self.ours_ms


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 10:
        return f"{value:.2f}"
    if value < 1000:
        return f"{value:.1f}"
    return f"{value:.0f}"


def print_table(title: str, rows: Sequence[Row], notes: Sequence[str] = ()) -> None:
    header = ("operation", "ours (ms)", "baseline (ms)", "ratio", "note")
    cells = [header] + [(r.operation, _ms(r.ours_ms), _ms(r.baseline_ms),
                         "-" if r.ratio is None else f"{r.ratio:.2f}x", r.note) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    align = ("<", ">", ">", ">", "<")

    def line(c: tuple[str, ...]) -> str:
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(c, align, widths, strict=True)).rstrip()

    rule = "-" * len(line(tuple("-" * w for w in widths)))
    print(f"\n{title}\n{rule}\n{line(header)}\n{rule}")
    for c in cells[1:]:
        print(line(c))
    print(rule)
    for n in notes:
        print(f"  {n}")
    sys.stdout.flush()


def median_seconds(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of ``repeat`` calls, after one untimed call (warm caches, JIT)."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_seconds_pair(ours: Callable[[], Any], baseline: Callable[[], Any], repeat: int
                        ) -> tuple[float, float]:
    """Medians of ``repeat`` calls of each, interleaved so that both see the same machine
    load (other processes on a small machine move single timings by a factor of 2 or more)."""
    ours()
    baseline()
    a, b = [], []
    for _ in range(repeat):
        for fn, times in ((ours, a), (baseline, b)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)
