"""Can a new store be created at a local path? Checked before anything is written, so that
an impossible output path is bad input (exit 2, the path named), not an internal error."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..errors import StoreError


def check_creatable(path: str) -> None:
    """Refuse a new store path that cannot be created: one under a regular file, or in a
    folder where the system refuses new entries (read-only mounts, /proc, no permission).
    Probed by making and removing an empty folder in the nearest existing ancestor, since
    permission bits tell nothing for root or on /proc. URLs and existing paths pass (the
    render rules decide what to do with an existing store)."""
    if "://" in str(path) and not str(path).startswith("file://"):
        return
    p = Path(str(path).removeprefix("file://"))
    if p.exists():
        return
    ancestor = p.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise StoreError(f"{path}: cannot create the store: {ancestor} is not a directory")
    try:
        Path(tempfile.mkdtemp(prefix=".simengine-probe-", dir=ancestor)).rmdir()
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the store in {ancestor} "
                         f"({exc.strerror or exc.__class__.__name__})") from None
