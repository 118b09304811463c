"""Which corruption and severity each variant of each sample is, read from the store.

A variant is ``"clean"`` or ``"<set>/<slot>"``. The store records, per sample and slot,
``corrupted/<set>/<slot>/applied`` (n,) and ``severity`` (n,) over the set's listed
corruptions (simengine.corruptions.apply); a slot that applied exactly one corruption is that
corruption at that severity. A slot that applied none (rain or snow under a roof) or several
(``policy: compound``) is no benchmark cell and is left out, counted.

The sets scored for a benchmark are the store's sets of its suite (``suite: <benchmark>``);
a store without any falls back to its plain sets whose corruptions all belong to the
benchmark (e.g. a set of registry ``gaussian_noise``, ``fog``, ... for ImageNet-C).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import UserError
from ..store.reader import StoreReader
from .benchmarks import Benchmark

CLEAN = "clean"


@dataclass
class StoreVariants:
    """Per done sample, the cell ``(corruption, severity)`` of every variant of the scored
    sets; ``("clean", 0)`` for the clean variant; None: not a cell."""

    store: str
    attrs: dict
    sets: list[str]
    samples: np.ndarray  # done sample indices
    cells: dict[tuple[int, str], tuple[str, int] | None] = field(default_factory=dict)

    def variants(self) -> list[str]:
        return [CLEAN, *sorted({v for _, v in self.cells if v != CLEAN})]


def scored_sets(attrs: dict, bench: Benchmark, store: str) -> list[dict]:
    sets = attrs["scene"].get("corruptions", [])
    chosen = [s for s in sets if s.get("suite") == bench.name]
    if not chosen:
        known = set(bench.corruptions())
        chosen = [s for s in sets if not s.get("suite") and known
                  and set(s["corruptions"]) <= known]
    if not chosen:
        names = ", ".join(f"{s['name']} (suite {s.get('suite') or '-'})" for s in sets)
        raise UserError(f"{store}: no corruption set of benchmark {bench.name} (a set with "
                        f"suite: {bench.name}); the store's sets: {names or 'none'}")
    return chosen


def read_variants(store: str, bench: Benchmark) -> StoreVariants:
    probe = StoreReader(store, keys=["meta/time"])
    attrs = probe.attrs
    sets = scored_sets(attrs, bench, store)
    arrays = attrs["arrays"]
    keys = sorted(k for s in sets for k in arrays
                  if k.startswith(f"corrupted/{s['name']}/")
                  and k.rsplit("/", 1)[1] in ("applied", "severity"))
    reader = StoreReader(store, keys=keys)
    samples = reader.done_indices()
    if samples.size == 0:
        raise UserError(f"{store}: no rendered samples (meta/done is all False)")
    data = reader.read(samples)
    out = StoreVariants(store, attrs, [s["name"] for s in sets], samples)
    for s in sets:
        slots = sorted({int(k.split("/")[2]) for k in keys
                        if k.startswith(f"corrupted/{s['name']}/")})
        for slot in slots:
            base = f"corrupted/{s['name']}/{slot}"
            applied, severity = data[f"{base}/applied"], data[f"{base}/severity"]
            for j, k in enumerate(samples.tolist()):
                on = np.flatnonzero(applied[j])
                cell = ((s["corruptions"][int(on[0])], int(severity[j, on[0]]))
                        if on.size == 1 else None)
                out.cells[(k, f"{s['name']}/{slot}")] = cell
    for k in samples.tolist():
        out.cells[(k, CLEAN)] = (CLEAN, 0)
    return out
