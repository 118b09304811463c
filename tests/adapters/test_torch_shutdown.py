"""Leaving a GeneratedDataset DataLoader early shuts its workers down cleanly: no
``terminate called`` / ``killed by signal: Aborted`` from any worker, every worker exits 0.

The abort came from a worker's queue sender thread, still handing a batch over (pickling
its tensors into shared memory, or freeing them) when the worker, told to stop, finalised
its interpreter (see ``simengine.adapters._worker_exit``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="the torch adapter's tests need torch "
                                            "(the test extra installs it)")
from torch.utils.data import DataLoader, Dataset  # noqa: E402

from simengine.adapters.torch import collate  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

# Batches large enough (a 320x240 camera, 4 samples) that handing one over takes a while:
# before the fix, this aborted a worker in nearly every run here.
EARLY_BREAK = """
    import multiprocessing as mp
    import sys

    import yaml
    from torch.utils.data import DataLoader

    from simengine import Engine
    from simengine.adapters.torch import GeneratedDataset, collate
    from simengine.spec.loader import scene_from_dict

    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["sensors"][0]["overrides"].update(width=320, height=240)
    engine = Engine(scene_from_dict(data, source=path), seed=0)
    loader = DataLoader(GeneratedDataset(engine, start=0, stop=None, batch_size=4),
                        batch_size=4, num_workers=2, collate_fn=collate,
                        multiprocessing_context="spawn")

    for batch in loader:  # what a user writes
        break
    del batch

    it = iter(loader)  # the same, keeping the worker processes to read their exit codes
    next(it)
    workers = list(it._workers)
    del it  # the loader's iterator goes away: torch shuts its workers down here
    print("exit codes", [w.exitcode for w in workers], flush=True)
    assert not mp.active_children(), mp.active_children()
    print("done", flush=True)
"""


def test_breaking_out_of_a_generated_dataset_loader_exits_cleanly(mini_scene_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(EARLY_BREAK),
                           str(mini_scene_path)], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=600, check=False)
    for bad in ("terminate called", "Aborted", "killed by signal", "Traceback"):
        assert bad not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "exit codes [0, 0]" in proc.stdout, proc.stdout + proc.stderr[-3000:]
    assert proc.stdout.rstrip().endswith("done")


class _Arrays(Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> dict:
        import numpy as np

        return {"x": np.full((8, 8), i, dtype=np.float32), "objects/count": np.int32(i % 3)}


def collate_and_report_sharing(samples):
    """``collate`` in the worker, plus whether its tensors were in shared memory already
    (as with torch's default collate: the queue's sender thread has nothing to copy)."""
    batch = collate(samples, masks=False)
    batch["shared"] = torch.tensor([t.is_shared() for t in batch.values()])
    return batch


def test_collate_in_a_worker_stacks_into_shared_memory():
    loader = DataLoader(_Arrays(), batch_size=2, num_workers=1,
                        collate_fn=collate_and_report_sharing,
                        multiprocessing_context="spawn")
    batches = list(loader)
    assert [b["shared"].tolist() for b in batches] == [[True, True]] * 2
    assert batches[1]["x"][:, 0, 0].tolist() == [2.0, 3.0]
    assert batches[1]["objects/count"].tolist() == [2, 0]
    main = collate([_Arrays()[0]])  # outside a worker: ordinary memory, nothing to share
    assert not main["x"].is_shared()
