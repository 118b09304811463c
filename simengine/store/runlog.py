"""The run log of a store: how each render that finished went (throughput and settings).

Records live in the attributes of a Zarr group ``logs`` inside the store
(``<store>/logs/zarr.json``, attribute ``render``: a list, one record per finished
``render()`` call, oldest first). A Zarr group rather than a plain ``logs/render.jsonl``
file: zarr-python warns about every non-Zarr object it meets while listing a hierarchy
(``group.members()``, ``group.tree()``), and the test suite turns warnings into errors; a
group is also written the same way on a local path and on an fsspec URL.

The log is written once, after every block has finished (no worker runs then, so the
"no attribute changes while workers run" rule holds). It is not sample data: it differs
between two otherwise byte-identical renders (times, host), so byte-identity checks skip
``logs/``. A store made by ``simengine corrupt`` or an older engine has no log.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from typing import Any

import zarr

LOG_GROUP = "logs"
RENDER_KEY = "render"


def render_record(summary: Any, *, block_size: int, resume: bool) -> dict[str, Any]:
    """The record of one finished render (``summary`` is a ``render.RenderSummary``)."""
    from .._version import __version__

    return {
        "finished_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "engine_version": __version__,
        "executor": summary.executor,
        "workers": int(summary.workers),
        "samples": int(summary.samples),
        "rendered": int(summary.rendered),
        "skipped_blocks": int(summary.skipped_blocks),
        "block_size": int(block_size),
        "resume": bool(resume),
        "seconds": round(float(summary.seconds), 4),
        "samples_per_second": round(float(summary.samples_per_second), 4),
        "stage_seconds": {k: round(float(v), 4) for k, v in summary.stage_seconds.items()},
        "retries": int(summary.retries),
        "failures": int(summary.failures),
        "host_cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def append_run(path: str, record: dict[str, Any], key: str = RENDER_KEY) -> None:
    """Append ``record`` to the store's log (creating the ``logs`` group on first use).
    Only the ``logs`` group's own metadata is written; the root's is left untouched."""
    group = zarr.open_group(store=path, path=LOG_GROUP, mode="a", zarr_format=3)
    runs = list(group.attrs.get(key, []))
    group.attrs[key] = [*runs, record]


def read_runs(path: str, key: str = RENDER_KEY) -> list[dict[str, Any]]:
    """The store's log records (empty when nothing was recorded)."""
    root = zarr.open_group(path, mode="r")
    if LOG_GROUP not in root:
        return []
    node = root[LOG_GROUP]
    return list(node.attrs.get(key, [])) if isinstance(node, zarr.Group) else []
