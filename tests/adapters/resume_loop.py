"""The training loops of tests/adapters/test_resume.py, also run as a script in a new
process: ``python -m tests.adapters.resume_loop MODE SOURCE CHECKPOINT OUT`` builds the loop,
restores ``loader.state_dict()`` saved in CHECKPOINT and writes the batches it still yields
to OUT (``torch.save`` of a list of dicts of arrays)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torchdata.stateful_dataloader import StatefulDataLoader

import simengine
from simengine.adapters.torch import GeneratedDataset, ShardAwareSampler, StoreDataset, collate

WORKERS = 2
BATCH = 2
# the store loop: seed and window of the shuffle, the epoch it is interrupted in
SEED, WINDOW, EPOCH = 3, 1, 1
# the generated loop: scene seed, samples, arrays, and a curriculum step in force
GEN_SEED, GEN_STOP = 9, 5
GEN_KEYS = ["camera/cam/depth", "objects", "meta/overrides_json"]
CURRICULUM = {"objects[0].count": 2}


def store_loader(store: str | Path, workers: int = WORKERS, shuffle: bool = True
                 ) -> StatefulDataLoader:
    """Shuffled, shard-aware batches of the store; the sampler starts at epoch 0 and seed 0:
    a restored state must bring its own seed and epoch. ``shuffle=False``: index order."""
    dataset = StoreDataset(store)
    sampler = ShardAwareSampler(dataset, seed=0, window=WINDOW) if shuffle else None
    return _loader(dataset, workers, sampler=sampler)


def generated_loader(scene: str | Path, workers: int = WORKERS) -> StatefulDataLoader:
    """Samples 0..GEN_STOP-1 generated on the fly, without the curriculum's overrides (a
    restored state brings those)."""
    engine = simengine.Engine(simengine.load_scene(scene), seed=GEN_SEED)
    return _loader(GeneratedDataset(engine, 0, GEN_STOP, batch_size=BATCH, keys=GEN_KEYS),
                   workers)


def _loader(dataset, workers: int, **kw) -> StatefulDataLoader:
    extra = {"multiprocessing_context": "spawn"} if workers else {}
    return StatefulDataLoader(dataset, batch_size=BATCH, num_workers=workers,
                              collate_fn=collate, **extra, **kw)


def as_numpy(batch: dict[str, torch.Tensor]) -> dict[str, object]:
    return {k: v.numpy().copy() for k, v in batch.items()}


def main(mode: str, source: str, checkpoint: str, out: str) -> None:
    loader = store_loader(source) if mode == "store" else generated_loader(source)
    loader.load_state_dict(torch.load(checkpoint, weights_only=False))
    torch.save([as_numpy(b) for b in loader], out)


if __name__ == "__main__":
    main(*sys.argv[1:])
