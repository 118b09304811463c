"""``simengine verify``: every block's shards against what the block wrote.

A block is **whole** when it is marked done, its manifest row exists, and every shard has
the recorded size, CRC-32C and SHA-256 under unchanged metadata and root attributes. It is
**damaged** when any of that fails, when it is partly marked done, or when its manifest
exists without its done chunk (the ``meta/done`` chunk was lost). A block with neither is
simply not rendered yet. The cost follows what was written, not the store's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import zarr

from ..errors import StoreError
from .assets import damaged_assets
from .integrity import MANIFEST, attrs_digest, check_block, has_manifest
from .layout import ATTR, DONE, block_range
from .progress import done_blocks, flagged_blocks, written_blocks


@dataclass
class VerifyReport:
    path: str
    samples_total: int
    samples_done: int = 0
    blocks_checked: int = 0
    store_problems: list[str] = field(default_factory=list)
    damaged: dict[int, list[str]] = field(default_factory=dict)  # block -> problems
    block_size: int = 1

    @property
    def damaged_samples(self) -> list[int]:
        return [k for b in sorted(self.damaged)
                for k in block_range(b, self.block_size, self.samples_total)]

    @property
    def ok(self) -> bool:
        return not self.damaged and not self.store_problems

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "ok": self.ok, "samples_total": self.samples_total,
                "samples_done": self.samples_done, "blocks_checked": self.blocks_checked,
                "store_problems": self.store_problems,
                "damaged_samples": self.damaged_samples,
                "damaged_blocks": {str(b): p for b, p in sorted(self.damaged.items())}}


def verify_store(path: str, *, full: bool = True) -> VerifyReport:
    from .reader import open_group_checked

    root = open_group_checked(path)
    attrs = dict(root.attrs[ATTR])
    return verify_group(path, root, attrs, full=full)


def verify_group(path: str, root: zarr.Group, attrs: dict[str, Any], *,
                 full: bool = True) -> VerifyReport:
    n, bs = int(attrs["num_samples"]), int(attrs["block_size"])
    report = VerifyReport(path, n, block_size=bs)
    if not has_manifest(attrs):
        raise StoreError(f"{path}: made by an engine that did not record what each block "
                         f"wrote (schema {attrs.get('schema_version')}); it cannot be verified")
    for key in [DONE, MANIFEST, *attrs["arrays"]]:
        try:
            arr = root[key]
        except KeyError:
            report.store_problems.append(f"{key}: array missing (its metadata was deleted)")
            continue
        if arr.shape[0] != (n if key != MANIFEST else -(-n // bs)):
            report.store_problems.append(f"{key}: holds {arr.shape[0]} rows, the root "
                                         f"attributes say {n} samples")
    report.store_problems += damaged_assets(root, attrs)
    if report.store_problems:
        return report
    flags = dict(flagged_blocks(root, attrs))
    recorded = set(written_blocks(root, MANIFEST).tolist())
    digest = attrs_digest(attrs)
    nblocks = -(-n // bs)
    for b in sorted(set(flags) | recorded):
        if b >= nblocks:
            continue
        report.blocks_checked += 1
        marked = int(flags[b].sum()) if b in flags else 0
        if marked and b not in recorded:
            report.damaged[b] = ["marked done but its meta/manifest chunk is missing"]
        elif b in recorded and not marked:
            report.damaged[b] = ["written (manifest present) but its meta/done chunk is "
                                 "missing"]
        elif marked:
            problems = check_block(root, attrs, b, full=full, root_digest=digest)
            if problems:
                report.damaged[b] = problems
            else:
                report.samples_done += marked
    return report


def good_blocks(root: zarr.Group, attrs: dict[str, Any]) -> tuple[np.ndarray, dict]:
    """The done blocks that verify whole, and the damaged ones with their problems (for
    ``--resume``: everything else is rendered again)."""
    report = verify_group("", root, attrs, full=True)
    if report.store_problems:
        raise StoreError("; ".join(report.store_problems))
    good = sorted(set(done_blocks(root, attrs).tolist()) - set(report.damaged))
    return np.array(good, dtype=np.int64), report.damaged
